/// Classes taken out of the index without rewriting it: a table indexed by class id (label).
/// Labels outside the table (negative or too large) count as present.
public struct LabelMask: Sendable, Equatable {
    public private(set) var removed: [Bool]

    public init(removed: [Bool] = []) { self.removed = removed }

    public init<S: Sequence>(removedLabels: S) where S.Element == Int32 {
        var table: [Bool] = []
        for label in removedLabels where label >= 0 {
            if Int(label) >= table.count { table += repeatElement(false, count: Int(label) + 1 - table.count) }
            table[Int(label)] = true
        }
        self.removed = table
    }

    public var isEmpty: Bool { !removed.contains(true) }

    public func isRemoved(_ label: Int32) -> Bool {
        label >= 0 && Int(label) < removed.count && removed[Int(label)]
    }
}

/// How to run an exact search.
public struct SearchOptions: Sendable {
    /// Neighbours kept per query.
    public var k: Int
    /// Rows requested from the source per block (the streaming granularity). Within a block the kernel
    /// works in cache-sized tiles (see `ExactSearch`), so this only bounds memory and read size.
    public var blockRows: Int
    /// Threads the kernel runs (default: every core).
    public var threads: Int
    /// Scale each query to unit length before searching (a zero query stays zero).
    public var normalizeQueries: Bool
    /// Rows whose label is removed never appear in the results.
    public var mask: LabelMask

    public init(k: Int, blockRows: Int = ExactSearch.defaultBlockRows, threads: Int = ExactSearch.defaultThreads,
                normalizeQueries: Bool = false, mask: LabelMask = LabelMask()) {
        self.k = k
        self.blockRows = blockRows
        self.threads = threads
        self.normalizeQueries = normalizeQueries
        self.mask = mask
    }
}

/// One neighbour of a query.
public struct Neighbor: Sendable, Equatable {
    /// Inner product with the query (cosine for normalized rows and queries).
    public var score: Float
    /// Global row number in the index; −1 marks padding.
    public var row: Int64
    /// The row's class id; −1 for padding.
    public var label: Int32

    public init(score: Float, row: Int64, label: Int32) {
        self.score = score
        self.row = row
        self.label = label
    }

    /// Padding used when the index has fewer than k valid rows: row −1, label −1, score −∞.
    public static let padding = Neighbor(score: -.infinity, row: -1, label: -1)

    public var isPadding: Bool { row < 0 }

    /// The result order: score descending, then row ascending (padding last).
    @inline(__always)
    static func precedes(_ aScore: Float, _ aRow: Int64, _ bScore: Float, _ bRow: Int64) -> Bool {
        if aScore != bScore { return aScore > bScore }
        return UInt64(bitPattern: aRow) < UInt64(bitPattern: bRow)
    }
}

/// Top-k neighbours of every query, flat `[queries × k]`, each query's row sorted by score descending
/// (ties: smaller row first). When the index has fewer than k valid (unmasked) rows, a query's tail is
/// padding: score −∞, row −1, label −1.
public struct SearchResults: Sendable {
    public let queryCount: Int
    public let k: Int
    public internal(set) var scores: [Float]
    public internal(set) var rows: [Int64]
    public internal(set) var labels: [Int32]

    /// All padding (score −∞, row −1, label −1).
    public init(queryCount: Int, k: Int) {
        self.queryCount = queryCount
        self.k = k
        scores = [Float](repeating: -.infinity, count: queryCount * k)
        rows = [Int64](repeating: -1, count: queryCount * k)
        labels = [Int32](repeating: -1, count: queryCount * k)
    }

    /// Flat arrays whose lengths the caller has checked (`queryCount × k` each).
    init(checkedQueryCount queryCount: Int, k: Int, scores: [Float], rows: [Int64], labels: [Int32]) {
        self.queryCount = queryCount
        self.k = k
        self.scores = scores
        self.rows = rows
        self.labels = labels
    }

    /// The neighbours of query `query`, best first (padding included).
    public func neighbors(of query: Int) -> [Neighbor] {
        (query * k ..< (query + 1) * k).map { Neighbor(score: scores[$0], row: rows[$0], label: labels[$0]) }
    }
}
