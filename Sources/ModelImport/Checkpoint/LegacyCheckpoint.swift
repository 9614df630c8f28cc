import Foundation

/// A legacy (pre-1.6, non-zip) PyTorch checkpoint: five pickles — magic number, protocol version, system
/// info, the state dict (tensors as `_rebuild_tensor_v2` over persistent-id storages), the list of storage
/// keys — followed by each storage in key order as an int64 element count and its raw little-endian data.
///
/// Every count read from the file is checked against the bytes that remain before it is multiplied or
/// used, every tensor view lies within its storage, and every storage is declared the same way by every
/// tensor that uses it.
public struct LegacyCheckpoint: Sendable {
    /// The magic number `torch.save` writes first (0x1950a86a20f9469cfc6c).
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// The state dict's tensors in file order.
    public let tensors: [(name: String, reference: TensorReference)]
    private let index: [String: Int]
    /// Byte range of each storage's data within `bytes`.
    let storageRanges: [String: Range<Int>]
    let bytes: [UInt8]
    /// Name for error messages.
    public let file: String

    /// Parses `bytes` (the whole file); `file` names it in errors.
    public init(bytes: [UInt8], file: String) throws(CheckpointError) {
        func fail(_ reason: CheckpointError.Reason) -> CheckpointError { CheckpointError(file: file, reason: reason) }
        self.bytes = bytes
        self.file = file
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw fail(.unsupported(detail: "a zip-format (PyTorch ≥ 1.6) checkpoint; only the legacy format is read"))
        }
        // PROTO 2, LONG1 of 10 bytes: the pickled magic number.
        guard bytes.starts(with: [0x80, 0x02, 0x8A, 0x0A]) else {
            throw fail(.notACheckpoint(detail: "no pickled magic number at the start"))
        }
        var position = 0
        guard try PickleReader.read(bytes, at: &position, file: file) == .bigInt(littleEndian: Self.magic) else {
            throw fail(.notACheckpoint(detail: "wrong magic number"))
        }
        guard try PickleReader.read(bytes, at: &position, file: file) == .int(1001) else {
            throw fail(.unsupported(detail: "serialization protocol other than 1001"))
        }
        let info = try PickleReader.read(bytes, at: &position, file: file)
        guard info["little_endian"] == .bool(true) else {
            throw fail(.unsupported(detail: "written on a big-endian machine"))
        }
        let state = try PickleReader.read(bytes, at: &position, file: file)
        let keyList = try PickleReader.read(bytes, at: &position, file: file)

        guard let entries = state.dictEntries else {
            throw fail(.notACheckpoint(detail: "the checkpoint does not hold a state dict"))
        }
        var tensors: [(name: String, reference: TensorReference)] = []
        var index: [String: Int] = [:]
        var storages: [String: StorageReference] = [:]
        for entry in entries {
            guard let name = entry.key.stringValue, case .tensor(let ref) = entry.value else {
                throw fail(.notACheckpoint(detail: "the state dict holds something other than named tensors"))
            }
            guard index[name] == nil else { throw fail(.malformed(detail: "tensor \(name) appears twice")) }
            if let known = storages[ref.storage.key], known != ref.storage {
                throw fail(.malformed(detail: "storage \(ref.storage.key) is declared with different types or sizes"))
            }
            index[name] = tensors.count
            tensors.append((name, ref))
            storages[ref.storage.key] = ref.storage
        }
        guard case .list(let keyValues) = keyList else {
            throw fail(.notACheckpoint(detail: "storage key list missing"))
        }
        var ranges: [String: Range<Int>] = [:]
        for keyValue in keyValues {
            guard let key = keyValue.stringValue, let storage = storages[key] else {
                throw fail(.malformed(detail: "storage key list names an unknown storage"))
            }
            guard ranges[key] == nil else { throw fail(.malformed(detail: "storage \(key) is listed twice")) }
            guard bytes.count - position >= 8 else { throw fail(.truncated(detail: "storage \(key) missing")) }
            var count: UInt64 = 0
            for i in 0..<8 { count |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
            position += 8
            guard count == UInt64(storage.elementCount) else {
                throw fail(.malformed(detail: "storage \(key) holds \(count) elements, expected \(storage.elementCount)"))
            }
            // Division, not multiplication: the declared count is checked against what remains first.
            guard storage.elementCount <= (bytes.count - position) / storage.element.byteWidth else {
                throw fail(.truncated(detail: "storage \(key) of \(count) elements is cut short"))
            }
            let length = storage.elementCount * storage.element.byteWidth
            ranges[key] = position..<position + length
            position += length
        }
        for (name, ref) in tensors where ranges[ref.storage.key] == nil {
            throw fail(.malformed(detail: "tensor \(name) has no storage data"))
        }
        self.tensors = tensors
        self.index = index
        self.storageRanges = ranges
    }

    /// Reads and parses the file at `url` (at most `ImportLimits.maxCheckpointBytes`).
    public init(contentsOf url: URL) throws(CheckpointError) {
        try self.init(bytes: try CheckpointFile.read(url, limit: ImportLimits.maxCheckpointBytes), file: url.path)
    }

    public var names: [String] { tensors.map(\.name) }

    public func reference(_ name: String) -> TensorReference? {
        index[name].map { tensors[$0].reference }
    }

    /// The tensor `name` as a row-major (contiguous) float array over its logical shape, gathered through
    /// its storage offset and strides. Only float32 storages are accepted.
    public func floats(_ name: String) throws(CheckpointError) -> (shape: [Int], values: [Float]) {
        guard let ref = reference(name) else {
            throw CheckpointError(file: file, reason: .architecture(detail: "missing tensor \(name)"))
        }
        return (ref.shape, try floats(name, ref))
    }

    /// The tensor `name`, which must have `shape` — checked before anything is allocated for it.
    public func floats(_ name: String, shape: [Int]) throws(CheckpointError) -> [Float] {
        guard let ref = reference(name) else {
            throw CheckpointError(file: file, reason: .architecture(detail: "missing tensor \(name)"))
        }
        guard ref.shape == shape else {
            throw CheckpointError(file: file, reason: .architecture(detail: "tensor \(name) has shape \(ref.shape), expected \(shape)"))
        }
        return try floats(name, ref)
    }

    private func floats(_ name: String, _ ref: TensorReference) throws(CheckpointError) -> [Float] {
        guard ref.storage.element == .float32, let range = storageRanges[ref.storage.key] else {
            throw CheckpointError(file: file, reason: .architecture(
                detail: "tensor \(name) is \(ref.storage.element.rawValue), expected FloatStorage"))
        }
        var values = [Float](repeating: 0, count: ref.elementCount)
        bytes.withUnsafeBytes { raw in
            // The view lies within the storage (TensorReference) and the storage within the file (init).
            let base = raw.baseAddress! + range.lowerBound
            values.withUnsafeMutableBufferPointer { out in
                gather(ref) { i, element in
                    out[i] = Float(bitPattern: UInt32(littleEndian: (base + 4 * element).loadUnaligned(as: UInt32.self)))
                }
            }
        }
        return values
    }
}

/// Visits every element of a validated strided view in row-major order: `body(outputIndex, storageIndex)`.
/// Dimensions of size 1 never step, so their (irrelevant) strides stay out of the arithmetic.
func gather(_ view: TensorReference, _ body: (Int, Int) -> Void) {
    let shape = view.shape, strides = zip(view.shape, view.strides).map { $0 > 1 ? $1 : 0 }
    guard view.elementCount > 0 else { return }
    var index = [Int](repeating: 0, count: shape.count)
    var element = view.offset
    for i in 0..<view.elementCount {
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
