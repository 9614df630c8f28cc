import HDF5

/// An index held in memory: an `[n, d]` row-major matrix of L2-normalized rows in float32 or float16,
/// with one class label per row. Blocks handed to the search point straight into the matrix (no copy).
public struct InMemoryRows: RowBlockSource, Sendable {
    public enum Storage: Sendable {
        case float32([Float])
        case float16([Float16])
    }

    public let dimension: Int
    public let rowCount: Int
    public let storage: Storage
    public let labels: [Int32]
    /// Global row number of the first row (so several in-memory parts can share one numbering).
    public let firstRow: Int

    public var scalarType: ScalarType {
        if case .float16 = storage { return .float16 }
        return .float32
    }

    /// Rows as given (float32). `rows.count` must be `labels.count × dimension`.
    public init(float32 rows: [Float], labels: [Int32], dimension: Int, firstRow: Int = 0) throws {
        try self.init(storage: .float32(rows), values: rows.count, labels: labels, dimension: dimension,
                      firstRow: firstRow)
    }

    /// Rows stored as float16 (halves the memory and the bytes each search streams).
    public init(float16 rows: [Float16], labels: [Int32], dimension: Int, firstRow: Int = 0) throws {
        try self.init(storage: .float16(rows), values: rows.count, labels: labels, dimension: dimension,
                      firstRow: firstRow)
    }

    private init(storage: Storage, values: Int, labels: [Int32], dimension: Int, firstRow: Int) throws {
        guard dimension > 0 else { throw InMemoryRowsError.badDimension(dimension) }
        guard values == labels.count * dimension else {
            throw InMemoryRowsError.shapeMismatch(values: values, labels: labels.count, dimension: dimension)
        }
        self.dimension = dimension
        self.rowCount = labels.count
        self.storage = storage
        self.labels = labels
        self.firstRow = firstRow
    }

    /// float32 rows converted to `type`.
    public init(rows: [Float], labels: [Int32], dimension: Int, as type: ScalarType, firstRow: Int = 0) throws {
        switch type {
        case .float32: try self.init(float32: rows, labels: labels, dimension: dimension, firstRow: firstRow)
        case .float16:
            try self.init(float16: HalfPrecision.narrowed(rows), labels: labels, dimension: dimension, firstRow: firstRow)
        }
    }

    public func forEachBlock(maxRows: Int, _ body: (RowBlock) throws -> Void) throws {
        precondition(maxRows > 0, "blocks need at least one row")
        try labels.withUnsafeBufferPointer { labelBuffer in
            func run<T>(_ values: UnsafeBufferPointer<T>, _ wrap: (UnsafeBufferPointer<T>) -> RowBlock.Rows) throws {
                var start = 0
                while start < rowCount {
                    let count = min(maxRows, rowCount - start)
                    let rows = UnsafeBufferPointer(rebasing: values[start * dimension ..< (start + count) * dimension])
                    let labels = UnsafeBufferPointer(rebasing: labelBuffer[start ..< start + count])
                    try body(RowBlock(firstRow: firstRow + start, count: count, dimension: dimension,
                                      rows: wrap(rows), labels: labels))
                    start += count
                }
            }
            switch storage {
            case .float32(let values): try values.withUnsafeBufferPointer { try run($0, RowBlock.Rows.float32) }
            case .float16(let values): try values.withUnsafeBufferPointer { try run($0, RowBlock.Rows.float16) }
            }
        }
    }
}

/// Why an in-memory index could not be made.
public enum InMemoryRowsError: Error, CustomStringConvertible, Equatable {
    case badDimension(Int)
    case shapeMismatch(values: Int, labels: Int, dimension: Int)

    public var description: String {
        switch self {
        case .badDimension(let d): "in-memory index: dimension must be positive, got \(d)"
        case .shapeMismatch(let values, let labels, let d):
            "in-memory index: \(values) values do not make \(labels) rows of dimension \(d)"
        }
    }
}
