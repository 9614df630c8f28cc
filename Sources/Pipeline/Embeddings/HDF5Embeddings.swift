import HDF5

/// Embeddings in an HDF5 file: a 2-D dataset [n, d] of numbers (`embeddings`, ann-benchmarks' `train` or
/// `test`, or one named), with optional 1-D columns of labels or ids beside it.
final class HDF5Embeddings: EmbeddingSource {
    let path: String
    let file: H5File
    let dataset: H5Dataset
    let count: Int
    let dimension: Int

    init(_ path: String, dataset name: String?, defaults: [String]) throws {
        self.path = path
        try ImageFileReader.checkReadable(path)
        do { file = try H5File.open(at: path) } catch {
            throw CLIError.input(path: path, reason: "not a readable HDF5 file")
        }
        var chosen = name
        if chosen == nil {
            for candidate in defaults where try file.contains(candidate) {
                chosen = candidate
                break
            }
        }
        guard let chosen else {
            throw CLIError.input(path: path, reason: "no dataset named \(defaults.joined(separator: " or ")) (choose one with --dataset)")
        }
        guard try file.contains(chosen) else { throw CLIError.input(path: path, reason: "no dataset named '\(chosen)'") }
        dataset = try file.dataset(chosen)
        switch try dataset.elementType {
        case .string, .fixedString: throw CLIError.input(path: path, reason: "'\(chosen)' holds strings, not embeddings")
        default: break
        }
        let shape = try dataset.shape
        guard shape.count == 2 else {
            throw CLIError.input(path: path, reason: "'\(chosen)' has shape \(shape), expected [n, d]")
        }
        try EmbeddingSources.checkShape(path, rows: shape[0], dimension: shape[1], what: "'\(chosen)'")
        count = shape[0]
        dimension = shape[1]
    }

    func rows(_ range: Range<Int>) throws -> [Float] {
        try EmbeddingSources.checkRange(range, count: count, path: path)
        return try dataset.readRows(range, as: Float.self)
    }

    func contains(_ name: String) throws -> Bool { try file.contains(name) }

    /// A 1-D dataset of `count` entries as strings (string datasets as they are, integers in decimal).
    func column(_ name: String) throws -> [String] {
        guard try file.contains(name) else { throw CLIError.input(path: path, reason: "no dataset named '\(name)'") }
        let column = try file.dataset(name)
        let shape = try column.shape
        guard shape == [count] else {
            throw CLIError.input(path: path, reason: "'\(name)' has shape \(shape); expected [\(count)], one per row")
        }
        switch try column.elementType {
        case .string, .fixedString: return try column.readStrings()
        case .float16, .float32, .float64:
            throw CLIError.input(path: path, reason: "'\(name)' holds floats; expected class names or integer ids")
        default: return try column.read(as: Int64.self).map { String($0) }
        }
    }
}
