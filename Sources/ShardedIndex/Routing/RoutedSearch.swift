import Dispatch
import Foundation
import LinearAlgebra

/// Class-routed top-k search: each query's classes are shortlisted by prototype score (`ClassRouter`),
/// then only the rows of its shortlisted classes are ranked, exactly. With every class routed the
/// answer is `ExactSearch`'s; with fewer it is exact within the shortlist (docs/routing.md).
///
/// The work is class-major: each source block is bucketed by class once, and each routed class's rows
/// in it are scored in one product against every query that routed to that class (`QueryRouting`), so
/// a row read once serves all the queries that need it and no query scores a row outside its shortlist.
/// Rows of classes no query routed to are never scored; an index compacted by class (a
/// `ClassLocatingSource`) does not even read them.
public enum RoutedSearch {
    /// Rows per work item (a class with more rows is cut into several items).
    package struct Tuning: Sendable {
        package var tileRows = 512
        /// When every routable class is routed, run `ExactSearch` (same answer, bit for bit: the routed
        /// kernel's SGEMM shapes differ, so its scores may differ from exact's in the last bit).
        package var exactWhenEveryClassRouted = true
        package init() {}
    }

    /// The `options.k` best rows of each query among the rows of its `classes` best-routed classes.
    public static func search(queries: [Float], in source: some RowBlockSource, router: ClassRouter, classes: Int,
                              options: SearchOptions) throws -> SearchResults {
        try search(queries: queries, in: source, router: router, classes: classes, options: options, tuning: Tuning())
    }

    package static func search(queries: [Float], in source: some RowBlockSource, router: ClassRouter, classes: Int,
                               options: SearchOptions, tuning: Tuning) throws -> SearchResults {
        let d = source.dimension
        guard options.k > 0 else { throw SearchError.badK(options.k) }
        guard classes > 0 else { throw RoutingError.badRoute(classes) }
        guard d > 0, queries.count % d == 0 else { throw SearchError.dimensionMismatch(values: queries.count, dimension: d) }
        guard router.dimension == d else {
            throw SearchError.dimensionMismatch(values: router.dimension, dimension: d)
        }
        let q = queries.count / d
        var results = SearchResults(queryCount: q, k: options.k)
        guard q > 0, source.rowCount > 0 else { return results }

        let mask = router.mask(adding: options.mask)
        if tuning.exactWhenEveryClassRouted, classes >= mask.removed.count(where: { !$0 }) {
            var exact = options
            exact.mask = mask
            return try ExactSearch.search(queries: queries, in: source, options: exact)
        }
        let normalized = options.normalizeQueries ? RowMath.normalizedQueries(queries, dimension: d) : queries
        let shortlist = try router.shortlist(normalized, classes: classes, threads: options.threads, extraMask: options.mask)
        let routing = QueryRouting(shortlist, classCount: router.classCount)
        let threads = max(1, options.threads)
        let widest = routing.routed.map { routing.start[Int($0) + 1] - routing.start[Int($0)] }.max() ?? 1
        let scanner = RoutedScanner(queries: normalized, dimension: d, k: options.k, threads: threads,
                                    tileRows: max(8, tuning.tileRows), widest: widest)
        defer { scanner.deallocate() }
        var work = BlockRouting(classCount: router.classCount)
        try BLAS.withThreads(1) {
            try forEachRoutedBlock(source, classes: routing.routed, maxRows: max(1, options.blockRows)) { block in
                guard block.dimension == d else {
                    throw SearchError.dimensionMismatch(values: block.dimension, dimension: d)
                }
                work.prepare(labels: block.labels, routing: routing, tileRows: scanner.tileRows)
                guard !work.items.isEmpty else { return }
                let counter = WorkCounter()
                if threads == 1 || work.items.count == 1 {
                    scanner.run(block, work, routing, worker: 0, counter: counter)
                } else {
                    let shared = RoutedWork(block: block, routing: work, classes: routing)
                    DispatchQueue.concurrentPerform(iterations: threads) {
                        scanner.run(shared.block, shared.routing, shared.classes, worker: $0, counter: counter)
                    }
                }
            }
        }
        for query in 0..<q {
            scanner.heaps.merge((0..<threads).map { $0 * q + query }, into: &results, query: query)
        }
        return results
    }

    /// The source's blocks that may hold rows of `classes`: every block, unless the source can locate
    /// its rows by class (`ClassLocatingSource`).
    private static func forEachRoutedBlock(_ source: some RowBlockSource, classes: [Int32], maxRows: Int,
                                           _ body: (RowBlock) throws -> Void) throws {
        if let locating = source as? any ClassLocatingSource {
            try locating.forEachBlock(ofClasses: classes, maxRows: maxRows, body)
        } else {
            try source.forEachBlock(maxRows: maxRows, body)
        }
    }
}

/// A source that can hand over only (a superset of) the rows of some classes, e.g. an index compacted
/// by class. Rows of other classes may appear; the routed search skips them. A block may pack several
/// runs of rows: its `rowIDs` then give each row's global number.
public protocol ClassLocatingSource: RowBlockSource {
    func forEachBlock(ofClasses classes: [Int32], maxRows: Int, _ body: (RowBlock) throws -> Void) throws
}

/// What the worker threads share for one block (read only while its `forEachBlock` call lasts).
private struct RoutedWork: @unchecked Sendable {
    let block: RowBlock
    let routing: BlockRouting
    let classes: QueryRouting
}
