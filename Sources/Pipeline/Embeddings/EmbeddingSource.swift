import Foundation

/// External embeddings for `cbr index import` and queries for `cbr search`: an HDF5 file (`embeddings`, or
/// ann-benchmarks' `train`/`test`) or a big-ann `.fbin` file (uint32 n, uint32 d, then n × d float32).
/// Shapes are checked when the file is opened; every row read is checked to be finite.
public protocol EmbeddingSource: AnyObject {
    var path: String { get }
    var count: Int { get }
    var dimension: Int { get }
    /// Rows `range` (within `0..<count`) as float32, row-major.
    func rows(_ range: Range<Int>) throws -> [Float]
}

public enum EmbeddingSources {
    /// Opens `path`: `.fbin` by extension, HDF5 otherwise, reading `dataset` or the first of `defaults` present.
    public static func open(_ path: String, dataset: String?, defaults: [String]) throws -> any EmbeddingSource {
        if DiskPath(path).lowercasedExtension == "fbin" { return try FbinEmbeddings(path) }
        return try HDF5Embeddings(path, dataset: dataset, defaults: defaults)
    }

    /// Checks a shape read from a file: n ≥ 0 rows of d within `Limits.dimension`.
    static func checkShape(_ path: String, rows: Int, dimension: Int, what: String) throws {
        guard Limits.inputRows.contains(rows) else {
            throw CLIError.input(path: path, reason: "\(what) has \(rows) rows; at most \(Limits.inputRows.upperBound) are read")
        }
        guard Limits.dimension.contains(dimension) else {
            throw CLIError.input(path: path, reason: "\(what) is \(rows) × \(dimension); d must be between "
                + "\(Limits.dimension.lowerBound) and \(Limits.dimension.upperBound)")
        }
    }

    /// Checks `range` against the row count before any read.
    static func checkRange(_ range: Range<Int>, count: Int, path: String) throws {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw CLIError.input(path: path, reason: "rows \(range) outside the file's \(count) rows")
        }
    }

    /// The first row of `values` (rows `first…`) holding a NaN or an infinity, as a file row number.
    public static func firstNonFiniteRow(_ values: [Float], first: Int, dimension: Int) -> Int? {
        values.firstIndex { !$0.isFinite }.map { first + $0 / dimension }
    }
}
