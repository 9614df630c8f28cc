import Dispatch
import Foundation
import LinearAlgebra

/// Exact top-k inner-product search over any `RowBlockSource` (in memory or streamed from shards).
///
/// Each block the source hands over is cut into work items — a tile of `tileRows` rows × a chunk of at
/// most `queryChunk` queries — which `threads` workers take in order from a shared counter (a worker the
/// OS descheduled on a loaded machine does not hold the others up). An item is computed one of two ways:
/// - **few queries** (`q ≤ fusedMaxQueries`, e.g. Q = 1): a memory-bound scan. SIMD8 dot products read
///   the rows straight from the block (float16 rows converted in registers by F16C), each row once, so
///   both cores stream the block at memory speed;
/// - **otherwise**: one single-threaded `cblas_sgemm` gives the chunk's `[m × tileRows]` scores (float16
///   tiles are first converted into the worker's float32 buffer). Small batches are thus spread over the
///   rows (both cores busy at Q = 16), large ones over rows and queries. OpenBLAS is held to one thread
///   while ours run, so the two never oversubscribe the cores.
/// Every (worker, query) pair has its own bounded heap; a query's heaps are merged at the end.
///
/// The scores of an item are scanned 8 at a time: a SIMD8 compare against the heap's current minimum
/// skips nearly every row; only rows that reach it are looked up in the removed-class table and offered
/// to the heap (no allocation per candidate).
///
/// **Tile size.** An item touches `tileRows × d` floats of rows and `queryChunk × tileRows` floats of
/// scores. With 512 rows × 1280 d that is 2.6 MB of rows, shared by the two cores in the 32 MB L3 while
/// several query chunks run against it, and 256 × 512 floats = 512 KB of scores, which stay in the 1 MB
/// L2 between the SGEMM writing them and the heap scan reading them; 512 rows are also enough for
/// OpenBLAS to run its kernel at full speed. Batches of 1024+ queries use 2048-row tiles × 1024-query
/// chunks instead: their scores (8 MB) spill to L3, but OpenBLAS packs each operand a quarter as often,
/// which is worth more there. The source's block size (`SearchOptions.blockRows`) is only the streaming
/// granularity.
public enum ExactSearch {
    /// Rows per source block: 16384 rows of d = 1280 are 80 MB in float32 (40 MB in float16), large
    /// enough that per-block costs (thread dispatch, a shard read) vanish, small enough for bounded RAM.
    public static let defaultBlockRows = 16384
    public static let defaultThreads = ProcessInfo.processInfo.activeProcessorCount

    /// Kernel shape parameters (see the type's documentation); the defaults were measured on the
    /// 2-core Zen 3 machines, the benchmark can vary them.
    package struct Tuning: Sendable {
        package var fusedMaxQueries = 2
        package var tileRows = 512
        package var queryChunk = 256
        /// From this many queries on, items are `largeTileRows × largeQueryChunk`: bigger SGEMMs pack
        /// their operands less often (Q = 4096 at N = 100k: 705 → 758 queries/s with 2048 × 1024, while
        /// Q = 16 loses with tiles above 512 rows and Q = 256 gains only within the noise).
        package var largeBatch = 1024
        package var largeTileRows = 2048
        package var largeQueryChunk = 1024
        package init() {}
    }

    /// Searches `queries` (`[q, d]` row-major float32) for their `options.k` best rows in `source`.
    public static func search(
        queries: [Float], in source: some RowBlockSource, options: SearchOptions
    ) throws -> SearchResults {
        try search(queries: queries, in: source, options: options, tuning: Tuning())
    }

    package static func search(
        queries: [Float], in source: some RowBlockSource, options: SearchOptions, tuning: Tuning
    ) throws -> SearchResults {
        let d = source.dimension
        guard options.k > 0 else { throw SearchError.badK(options.k) }
        guard d > 0, queries.count % d == 0 else {
            throw SearchError.dimensionMismatch(values: queries.count, dimension: d)
        }
        let q = queries.count / d
        var results = SearchResults(queryCount: q, k: options.k)
        guard q > 0, source.rowCount > 0 else { return results }

        let plan = Plan(queries: q, dimension: d, k: options.k, threads: options.threads, tuning: tuning)
        let scan = try BlockScanner(plan: plan, queries: queries, normalize: options.normalizeQueries,
                                    mask: options.mask)
        defer { scan.deallocate() }
        try BLAS.withThreads(1) {
            try source.forEachBlock(maxRows: max(1, options.blockRows)) { block in
                guard block.dimension == d else {
                    throw SearchError.dimensionMismatch(values: block.dimension, dimension: d)
                }
                let items = WorkCounter()
                if plan.threads == 1 {
                    scan.run(block, worker: 0, items: items)
                } else {
                    // The block's memory is valid for this call, which outlives the parallel loop.
                    let shared = SharedBlock(block: block)
                    DispatchQueue.concurrentPerform(iterations: plan.threads) {
                        scan.run(shared.block, worker: $0, items: items)
                    }
                }
            }
        }
        for query in 0..<q {
            scan.heaps.merge((0..<plan.threads).map { $0 * q + query }, into: &results, query: query)
        }
        return results
    }
}

/// A block handed to the worker threads, which only read it while its `forEachBlock` call lasts.
private struct SharedBlock: @unchecked Sendable {
    let block: RowBlock
}

/// Hands out work item numbers `0, 1, 2, ...` to whichever worker asks first.
final class WorkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// How the work of one search is divided.
struct Plan: Sendable {
    enum Mode { case fused, gemm }
    let queries: Int
    let dimension: Int
    let k: Int
    let threads: Int
    let mode: Mode
    let tileRows: Int
    let queryChunk: Int

    init(queries: Int, dimension: Int, k: Int, threads requested: Int, tuning: ExactSearch.Tuning) {
        self.queries = queries
        self.dimension = dimension
        self.k = k
        mode = queries <= tuning.fusedMaxQueries ? .fused : .gemm
        threads = max(1, requested)
        let large = queries >= tuning.largeBatch
        tileRows = max(8, large ? tuning.largeTileRows : tuning.tileRows)
        queryChunk = max(1, min(queries, large ? tuning.largeQueryChunk : tuning.queryChunk))
    }
}

/// Why a search could not run.
public enum SearchError: Error, CustomStringConvertible, Equatable {
    case badK(Int)
    case dimensionMismatch(values: Int, dimension: Int)

    public var description: String {
        switch self {
        case .badK(let k): "search: k must be at least 1, got \(k)"
        case .dimensionMismatch(let values, let d):
            "search: dimension mismatch (\(values) values against index dimension \(d))"
        }
    }
}
