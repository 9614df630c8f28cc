import Foundation
import HDF5
import ShardedIndex

/// External embeddings for `cbr index import` and queries for `cbr search`: an HDF5 file (`embeddings`, or
/// ann-benchmarks' `train`/`test`) or a big-ann `.fbin` file (uint32 n, uint32 d, then n × d float32).
protocol EmbeddingInput {
    var url: URL { get }
    var count: Int { get }
    var dimension: Int { get }
    /// Rows `range` as float32, row-major.
    func rows(_ range: Range<Int>) throws -> [Float]
}

enum EmbeddingInputs {
    /// Opens `path`: `.fbin` by extension, HDF5 otherwise, reading `dataset` or the first of `defaults` present.
    static func open(_ path: String, dataset: String?, defaults: [String]) throws -> EmbeddingInput {
        let url = URL(fileURLWithPath: path)
        if url.pathExtension.lowercased() == "fbin" { return try FbinInput(url) }
        return try HDF5Input(url, dataset: dataset, defaults: defaults)
    }
}

struct HDF5Input: EmbeddingInput {
    let url: URL
    let file: H5File
    let dataset: H5Dataset
    let count: Int
    let dimension: Int

    init(_ url: URL, dataset name: String?, defaults: [String]) throws {
        self.url = url
        file = try H5File.open(at: url)
        var chosen = name
        if chosen == nil {
            for candidate in defaults where try file.contains(candidate) {
                chosen = candidate
                break
            }
        }
        guard let chosen else {
            throw IndexError.badInput("\(url.path): no dataset named \(defaults.joined(separator: " or ")) (choose one with --dataset)")
        }
        dataset = try file.dataset(chosen)
        let shape = try dataset.shape
        guard shape.count == 2 else { throw IndexError.badInput("\(url.path): '\(chosen)' has shape \(shape), expected [n, d]") }
        count = shape[0]
        dimension = shape[1]
    }

    func rows(_ range: Range<Int>) throws -> [Float] { try dataset.readRows(range, as: Float.self) }

    /// A 1-D dataset of the file as strings (string datasets as they are, integers in decimal).
    func column(_ name: String) throws -> [String] {
        let column = try file.dataset(name)
        switch try column.elementType {
        case .string, .fixedString: return try column.readStrings()
        case .float16, .float32, .float64:
            throw IndexError.badInput("\(url.path): '\(name)' holds floats; expected class names or integer ids")
        default: return try column.read(as: Int64.self).map { String($0) }
        }
    }
}

/// big-ann-benchmarks' `.fbin`: little-endian uint32 n, uint32 d, then n × d float32.
struct FbinInput: EmbeddingInput {
    let url: URL
    let handle: FileHandle
    let count: Int
    let dimension: Int

    init(_ url: URL) throws {
        self.url = url
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw IndexError.io(url, "cannot open: \(error.localizedDescription)")
        }
        let header = try handle.read(upToCount: 8) ?? Data()
        guard header.count == 8 else { throw IndexError.badInput("\(url.path): too short for an .fbin header") }
        let words = header.withUnsafeBytes { (Int($0.loadUnaligned(fromByteOffset: 0, as: UInt32.self).littleEndian),
                                              Int($0.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)) }
        (count, dimension) = words
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        guard dimension > 0, size == 8 + count * dimension * 4 else {
            throw IndexError.badInput("\(url.path): .fbin header says \(count) × \(dimension) but the file has \(size) bytes")
        }
    }

    func rows(_ range: Range<Int>) throws -> [Float] {
        try handle.seek(toOffset: UInt64(8 + range.lowerBound * dimension * 4))
        let bytes = range.count * dimension * 4
        let data = try handle.read(upToCount: bytes) ?? Data()
        guard data.count == bytes else { throw IndexError.io(url, "short read at row \(range.lowerBound)") }
        return data.withUnsafeBytes { raw in
            (0..<(range.count * dimension)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian) }
        }
    }
}
