import Dispatch
import Foundation

/// Exact top-k inner-product search over any `RowBlockSource` (in memory or streamed from shards).
///
/// For each block the source hands over, the threads split the work:
/// - **few queries** (`q ≤ tuning.fusedMaxQueries`, e.g. Q = 1): a memory-bound scan. Each thread takes
///   a contiguous range of the block's rows and computes SIMD8 dot products straight from the block
///   (float16 rows converted in registers), so the block is read once at memory speed by both cores;
/// - **a small batch** (`q < tuning.querySplitMinQueries`): each thread takes a range of rows and runs a
///   one-thread `cblas_sgemm` of all queries against cache-sized tiles of it;
/// - **a large batch**: each thread takes a share of the queries and runs a one-thread SGEMM of its
///   queries against each tile of the whole block.
/// Every (thread, query) pair has its own bounded heap, so threads never share a heap; the per-thread
/// heaps of a query are merged at the end. OpenBLAS is limited to one thread while ours run.
///
/// Each tile's `[queries × tileRows]` scores are scanned 8 at a time: a SIMD8 compare against the heap's
/// current minimum skips the (vast) majority of rows; only rows that beat it are looked up in the removed
/// mask and offered to the heap.
///
/// **Tile size.** A tile is `tileRows` index rows (`tileRows × d × 4` bytes after float16 conversion) and
/// `queryChunk × tileRows` float scores. With 512 rows × 1280 d that is 2.6 MB of rows, which sits in the
/// 32 MB L3 while the query chunks are multiplied against it, and 256 × 512 floats = 512 KB of scores,
/// which stay in the 1 MB L2 between the SGEMM writing them and the heap scan reading them.
/// The source's block size (`SearchOptions.blockRows`) is only the streaming granularity.
public enum ExactSearch {
    /// Rows per source block: 16384 rows of d = 1280 are 80 MB in float32 (40 MB in float16), large
    /// enough that per-block costs (thread dispatch, a shard read) vanish, small enough for bounded RAM.
    public static let defaultBlockRows = 16384
    public static let defaultThreads = ProcessInfo.processInfo.activeProcessorCount

    /// Kernel shape parameters (see the type's documentation); the defaults were measured on the
    /// 2-core Zen 3 machines, the benchmark can vary them.
    package struct Tuning: Sendable {
        package var fusedMaxQueries = 2
        package var querySplitMinQueries = 64
        package var tileRows = 512
        package var queryChunk = 256
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
                if plan.threads == 1 {
                    scan.run(block, thread: 0)
                } else {
                    // The block's memory is valid for this call, which outlives the parallel loop.
                    let shared = SharedBlock(block: block)
                    DispatchQueue.concurrentPerform(iterations: plan.threads) { scan.run(shared.block, thread: $0) }
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

/// How the work of one search is divided.
struct Plan: Sendable {
    enum Mode { case fused, rowSplit, querySplit }
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
        if queries <= tuning.fusedMaxQueries {
            mode = .fused
        } else if queries < tuning.querySplitMinQueries {
            mode = .rowSplit
        } else {
            mode = .querySplit
        }
        let wanted = max(1, requested)
        threads = mode == .querySplit ? min(wanted, queries) : wanted
        tileRows = max(8, tuning.tileRows)
        queryChunk = max(1, tuning.queryChunk)
    }

    /// The `part`-th of `parts` near-equal pieces of `0..<count`.
    static func share(_ count: Int, parts: Int, part: Int) -> Range<Int> {
        (count * part / parts) ..< (count * (part + 1) / parts)
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
