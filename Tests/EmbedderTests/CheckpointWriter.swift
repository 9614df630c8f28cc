import Embedder
import ModelImport
import Foundation

/// Writes legacy PyTorch checkpoints (the format `torch.save` used before 1.6) from tensors and raw
/// storages, so tests can make hostile files out of the real Lite0 weights: `realLite0()` re-serialises
/// the real checkpoint (each float tensor its own contiguous storage), and the tests edit sizes, strides,
/// offsets, counts and values before writing.
struct CheckpointWriter {
    struct Tensor {
        var name: String
        var storage: String
        var storageType = "FloatStorage"
        /// The element count the persistent id declares.
        var declaredCount: Int
        var offset = 0
        var shape: [Int]
        var strides: [Int]
    }

    struct Storage {
        var key: String
        /// The int64 written before the data.
        var count: UInt64
        var data: [UInt8]
    }

    var tensors: [Tensor] = []
    var storages: [Storage] = []

    /// The real Lite0 checkpoint's float tensors (the int64 BatchNorm step counters left out).
    static func realLite0() throws -> CheckpointWriter {
        let checkpoint = try LegacyCheckpoint(contentsOf: try Fixtures.checkpoint("lite0"))
        var writer = CheckpointWriter()
        for (i, entry) in checkpoint.tensors.enumerated() where entry.reference.storage.element == .float32 {
            let (shape, values) = try checkpoint.floats(entry.name)
            writer.tensors.append(Tensor(name: entry.name, storage: "\(i)", declaredCount: values.count,
                                         shape: shape, strides: contiguousStrides(shape)))
            writer.storages.append(Storage(key: "\(i)", count: UInt64(values.count), data: littleEndian(values)))
        }
        return writer
    }

    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count), step = 1
        for d in shape.indices.reversed() {
            strides[d] = step
            step *= shape[d]
        }
        return strides
    }

    static func littleEndian(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    func tensorIndex(_ name: String) -> Int { tensors.firstIndex { $0.name == name }! }

    /// Sets element `index` of tensor `name`'s storage to `value`.
    mutating func setValue(_ name: String, index: Int, to value: Float) {
        let key = tensors[tensorIndex(name)].storage
        let s = storages.firstIndex { $0.key == key }!
        storages[s].data.replaceSubrange((4 * index)..<(4 * index + 4), with: Self.littleEndian([value]))
    }

    // MARK: - Serialisation

    /// The magic number, protocol version and system info pickles.
    static var header: [UInt8] {
        [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
            + [0x80, 0x02, 0x4A] + withUnsafeBytes(of: Int32(1001).littleEndian) { Array($0) } + [0x2E]
            + [0x80, 0x02, 0x7D, 0x28] + string("little_endian") + [0x88, 0x75, 0x2E]
    }

    var bytes: [UInt8] {
        var out = Self.header
        out += [0x80, 0x02] + Self.global("collections", "OrderedDict") + [0x29, 0x52, 0x28]
        for t in tensors {
            out += Self.string(t.name) + Self.global("torch._utils", "_rebuild_tensor_v2") + [0x28]
            out += [0x28] + Self.string("storage") + Self.global("torch", t.storageType) + Self.string(t.storage)
                + Self.string("cpu") + Self.int(t.declaredCount) + [0x4E, 0x74, 0x51]
            out += Self.int(t.offset) + [0x28] + t.shape.flatMap(Self.int) + [0x74]
                + [0x28] + t.strides.flatMap(Self.int) + [0x74]
            out += [0x89] + Self.global("collections", "OrderedDict") + [0x29, 0x52, 0x74, 0x52]
        }
        out += [0x75, 0x2E]
        out += [0x80, 0x02, 0x5D, 0x28] + storages.flatMap { Self.string($0.key) } + [0x65, 0x2E]
        for s in storages {
            out += withUnsafeBytes(of: s.count.littleEndian) { Array($0) } + s.data
        }
        return out
    }

    static func string(_ s: String) -> [UInt8] {
        let utf8 = Array(s.utf8)
        return [0x58] + withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { Array($0) } + utf8
    }

    static func global(_ module: String, _ name: String) -> [UInt8] {
        [0x63] + Array("\(module)\n\(name)\n".utf8)
    }

    /// LONG1 of 8 bytes: any Int.
    static func int(_ v: Int) -> [UInt8] {
        [0x8A, 0x08] + withUnsafeBytes(of: Int64(v).littleEndian) { Array($0) }
    }
}
