/// How index rows are stored.
public enum ScalarType: String, Sendable, Codable, CaseIterable {
    case float32, float16

    public var byteWidth: Int { self == .float32 ? 4 : 2 }
}

/// A run of consecutive index rows, in memory for the duration of one call. The search kernel consumes
/// these; the in-memory matrix and the shard reader produce them. A routed search's blocks may instead
/// pack several runs (`rowIDs`).
public struct RowBlock {
    public enum Rows {
        case float32(UnsafeBufferPointer<Float>)
        case float16(UnsafeBufferPointer<Float16>)
    }

    /// Global row number (across all shards) of the block's first row.
    public let firstRow: Int
    public let count: Int
    public let dimension: Int
    /// `count × dimension`, row-major, L2-normalized.
    public let rows: Rows
    /// `count` class ids.
    public let labels: UnsafeBufferPointer<Int32>
    /// The global row number of each row when the block packs several runs (nil: `firstRow + r`).
    public let rowIDs: UnsafeBufferPointer<Int>?

    public init(firstRow: Int, count: Int, dimension: Int, rows: Rows, labels: UnsafeBufferPointer<Int32>,
                rowIDs: UnsafeBufferPointer<Int>? = nil) {
        self.firstRow = firstRow
        self.count = count
        self.dimension = dimension
        self.rows = rows
        self.labels = labels
        self.rowIDs = rowIDs
    }

    /// The global row number of block row `r`.
    @inline(__always)
    public func globalRow(_ r: Int) -> Int { rowIDs.map { $0[r] } ?? firstRow + r }
}

/// Anything that can hand the search its rows, block by block, in row order.
public protocol RowBlockSource {
    var dimension: Int { get }
    var rowCount: Int { get }
    /// Calls `body` with consecutive blocks of at most `maxRows` rows, in order. A block's memory is valid
    /// only during its call.
    func forEachBlock(maxRows: Int, _ body: (RowBlock) throws -> Void) throws
}
