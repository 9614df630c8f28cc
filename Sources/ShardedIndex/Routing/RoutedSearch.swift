import Dispatch
import Foundation
import LinearAlgebra

/// Class-routed top-k search: each query's classes are shortlisted by prototype score (`ClassRouter`),
/// then only the rows of its shortlisted classes are ranked, exactly. With every class routed the
/// answer is `ExactSearch`'s; with fewer it is exact within the shortlist (docs/routing.md).
///
/// Queries are grouped by shortlist overlap (`QueryGroups`); each source block is bucketed by class once,
/// and every group's classes' rows in it are gathered tile by tile, so a row read once serves every query
/// of a group that routed to its class. Rows of classes no query routed to are never scored.
public enum RoutedSearch {
    /// How queries are grouped and rows tiled (see `QueryGroups`, `RoutedScanner`).
    package struct Tuning: Sendable {
        package var tileRows = 512
        package var maxGroupQueries = 256
        /// A group's shortlists may together name at most this many times C classes.
        package var classFactor = 2
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

        let normalized = options.normalizeQueries ? RowMath.normalizedQueries(queries, dimension: d) : queries
        let shortlist = try router.shortlist(normalized, classes: classes, threads: options.threads, extraMask: options.mask)
        let groups = QueryGroups(shortlist, classCount: router.classCount, maxQueries: max(1, tuning.maxGroupQueries),
                                 classFactor: tuning.classFactor)
        let threads = max(1, options.threads)
        let scanner = RoutedScanner(queries: normalized, groups: groups, dimension: d, k: options.k, threads: threads,
                                    tileRows: max(8, tuning.tileRows),
                                    fused: q <= ExactSearch.Tuning().fusedMaxQueries)
        defer { scanner.deallocate() }
        var routing = BlockRouting(classCount: router.classCount, groups: groups)
        try BLAS.withThreads(1) {
            try forEachRoutedBlock(source, classes: groups.allClasses, maxRows: max(1, options.blockRows)) { block in
                guard block.dimension == d else {
                    throw SearchError.dimensionMismatch(values: block.dimension, dimension: d)
                }
                routing.prepare(labels: block.labels, groups: groups, tileRows: scanner.tileRows)
                guard !routing.tiles.isEmpty else { return }
                let items = WorkCounter()
                let work = RoutedWork(block: block, routing: routing, groups: groups)
                if threads == 1 || routing.tiles.count == 1 {
                    scanner.run(block, routing, groups, worker: 0, items: items)
                } else {
                    DispatchQueue.concurrentPerform(iterations: threads) {
                        scanner.run(work.block, work.routing, work.groups, worker: $0, items: items)
                    }
                }
            }
        }
        for (position, query) in groups.order.enumerated() {
            scanner.heaps.merge((0..<threads).map { $0 * q + position }, into: &results, query: query)
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
/// by class. Rows of other classes may appear; the routed search skips them.
public protocol ClassLocatingSource: RowBlockSource {
    func forEachBlock(ofClasses classes: [Int32], maxRows: Int, _ body: (RowBlock) throws -> Void) throws
}

/// What the worker threads share for one block (read only while its `forEachBlock` call lasts).
private struct RoutedWork: @unchecked Sendable {
    let block: RowBlock
    let routing: BlockRouting
    let groups: QueryGroups
}
