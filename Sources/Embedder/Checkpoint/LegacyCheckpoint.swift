import Foundation

/// A legacy (pre-1.6, non-zip) PyTorch checkpoint: five pickles — magic number, protocol version, system
/// info, the state dict (tensors as `_rebuild_tensor_v2` over persistent-id storages), the list of storage
/// keys — followed by each storage in key order as an int64 element count and its raw little-endian data.
public struct LegacyCheckpoint: Sendable {
    /// The magic number `torch.save` writes first (0x1950a86a20f9469cfc6c).
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// The state dict's tensors in file order.
    public let tensors: [(name: String, reference: TensorReference)]
    /// Byte range of each storage's data within `bytes`.
    let storageRanges: [String: Range<Int>]
    let bytes: [UInt8]
    /// Name for error messages.
    public let file: String

    /// Parses `bytes` (the whole file); `file` names it in errors.
    public init(bytes: [UInt8], file: String) throws(CheckpointError) {
        self.bytes = bytes
        self.file = file
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw CheckpointError(file: file, reason: "a zip-format (PyTorch ≥ 1.6) checkpoint; only the legacy format is supported")
        }
        // PROTO 2, LONG1 of 10 bytes: the pickled magic number.
        guard bytes.starts(with: [0x80, 0x02, 0x8A, 0x0A]) else {
            throw CheckpointError(file: file, reason: "not a legacy PyTorch checkpoint (no pickled magic number at the start)")
        }
        var position = 0
        func next(_ what: String) throws(CheckpointError) -> PickleValue {
            do { return try PickleReader.read(bytes, at: &position) } catch {
                throw CheckpointError(file: file, reason: "not a legacy PyTorch checkpoint (\(what): \(error))")
            }
        }
        guard try next("magic number") == .bigInt(littleEndian: Self.magic) else {
            throw CheckpointError(file: file, reason: "not a legacy PyTorch checkpoint (wrong magic number)")
        }
        guard try next("protocol version") == .int(1001) else {
            throw CheckpointError(file: file, reason: "unsupported PyTorch serialization protocol")
        }
        let info = try next("system info")
        guard info["little_endian"] == .bool(true) else {
            throw CheckpointError(file: file, reason: "checkpoint was not written on a little-endian machine")
        }
        let state = try next("state dict")
        let keyList = try next("storage keys")

        guard let entries = state.dictEntries else {
            throw CheckpointError(file: file, reason: "the checkpoint does not hold a state dict")
        }
        var tensors: [(name: String, reference: TensorReference)] = []
        var storages: [String: StorageReference] = [:]
        for entry in entries {
            guard let name = entry.key.stringValue, case .tensor(let ref) = entry.value else {
                throw CheckpointError(file: file, reason: "the state dict holds something other than named tensors")
            }
            tensors.append((name, ref))
            storages[ref.storage.key] = ref.storage
        }
        guard case .list(let keyValues) = keyList else {
            throw CheckpointError(file: file, reason: "storage key list missing")
        }
        var ranges: [String: Range<Int>] = [:]
        for keyValue in keyValues {
            guard let key = keyValue.stringValue, let storage = storages[key] else {
                throw CheckpointError(file: file, reason: "storage key list names an unknown storage")
            }
            guard bytes.count - position >= 8 else {
                throw CheckpointError(file: file, reason: "truncated (storage \(key) missing)")
            }
            var count: Int64 = 0
            for i in 0..<8 { count |= Int64(bytes[position + i]) << (8 * Int64(i)) }
            position += 8
            guard count == Int64(storage.elementCount) else {
                throw CheckpointError(file: file, reason: "storage \(key) holds \(count) elements, expected \(storage.elementCount)")
            }
            let length = Int(count) * storage.element.byteWidth
            guard bytes.count - position >= length else {
                throw CheckpointError(file: file, reason: "truncated (storage \(key) is cut short)")
            }
            ranges[key] = position..<position + length
            position += length
        }
        for (name, ref) in tensors {
            guard ranges[ref.storage.key] != nil else {
                throw CheckpointError(file: file, reason: "tensor \(name) has no storage data")
            }
            let extent = zip(ref.shape, ref.strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
            guard ref.elementCount == 0 || ref.offset + extent < ref.storage.elementCount else {
                throw CheckpointError(file: file, reason: "tensor \(name) reaches past its storage")
            }
        }
        self.tensors = tensors
        self.storageRanges = ranges
    }

    /// Reads and parses the file at `url`.
    public init(contentsOf url: URL) throws(CheckpointError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError(file: url.path, reason: "cannot read (\(error.localizedDescription))")
        }
        try self.init(bytes: [UInt8](data), file: url.path)
    }

    public var names: [String] { tensors.map(\.name) }

    public func reference(_ name: String) -> TensorReference? {
        tensors.first { $0.name == name }?.reference
    }

    /// The tensor `name` as a row-major (contiguous) float array over its logical shape, gathered through
    /// its storage offset and strides. Only float32 storages are accepted.
    public func floats(_ name: String) throws(CheckpointError) -> (shape: [Int], values: [Float]) {
        guard let ref = reference(name) else { throw CheckpointError(file: file, reason: "missing tensor \(name)") }
        guard ref.storage.element == .float32, let range = storageRanges[ref.storage.key] else {
            throw CheckpointError(file: file, reason: "tensor \(name) is \(ref.storage.element.rawValue), expected FloatStorage")
        }
        var values = [Float](repeating: 0, count: ref.elementCount)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + range.lowerBound
            values.withUnsafeMutableBufferPointer { out in
                gather(shape: ref.shape, strides: ref.strides, offset: ref.offset) { i, element in
                    out[i] = Float(bitPattern: UInt32(littleEndian: (base + 4 * element).loadUnaligned(as: UInt32.self)))
                }
            }
        }
        return (ref.shape, values)
    }
}

/// Visits every element of a strided view in row-major order: `body(outputIndex, storageIndex)`.
func gather(shape: [Int], strides: [Int], offset: Int, _ body: (Int, Int) -> Void) {
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    var index = [Int](repeating: 0, count: shape.count)
    var element = offset
    for i in 0..<count {
        body(i, element)
        var d = shape.count - 1
        while d >= 0 {
            index[d] += 1
            element += strides[d]
            if index[d] < shape[d] { break }
            element -= strides[d] * shape[d]
            index[d] = 0
            d -= 1
        }
    }
}
