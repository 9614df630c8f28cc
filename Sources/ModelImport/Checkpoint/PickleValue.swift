/// A value decoded by `PickleReader`: the small subset of Python objects a legacy PyTorch checkpoint holds.
public indirect enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    /// A LONG1 integer too large for `Int`: little-endian two's-complement bytes.
    case bigInt(littleEndian: [UInt8])
    case string(String)
    case tuple([PickleValue])
    case list([PickleValue])
    /// Python dict or `collections.OrderedDict`, in insertion order.
    case dict([PickleDictEntry])
    /// A class or function reference (`GLOBAL module name`) not yet called.
    case global(module: String, name: String)
    /// A tensor storage named by a persistent id.
    case storage(StorageReference)
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`.
    case tensor(TensorReference)

    public var intValue: Int? {
        if case .int(let v) = self { return v }
        return nil
    }

    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    /// The entries of a dict, or nil.
    public var dictEntries: [PickleDictEntry]? {
        if case .dict(let v) = self { return v }
        return nil
    }

    /// The value of a dict entry whose key is the string `key`.
    public subscript(key: String) -> PickleValue? {
        dictEntries?.first { $0.key == .string(key) }?.value
    }
}

public struct PickleDictEntry: Sendable, Equatable {
    public var key: PickleValue
    public var value: PickleValue

    public init(key: PickleValue, value: PickleValue) {
        self.key = key
        self.value = value
    }
}

/// Element types of the legacy `torch.*Storage` classes.
public enum StorageElement: String, Sendable, Equatable {
    case float32 = "FloatStorage"
    case float64 = "DoubleStorage"
    case float16 = "HalfStorage"
    case int64 = "LongStorage"
    case int32 = "IntStorage"
    case int16 = "ShortStorage"
    case int8 = "CharStorage"
    case uint8 = "ByteStorage"
    case bool = "BoolStorage"

    public var byteWidth: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }
}

/// `('storage', torch.XStorage, key, location, element count, view metadata)`.
public struct StorageReference: Sendable, Equatable {
    public var key: String
    public var element: StorageElement
    public var location: String
    public var elementCount: Int
}

/// A strided view into a storage: element offset, logical size and per-dimension strides (in elements).
/// Only made by the pickle reader, which checks that the view lies within the storage's declared element
/// count and within `ImportLimits.maxTensorElements` (all arithmetic checked), so `elementCount` and the
/// gather over the view cannot overflow.
public struct TensorReference: Sendable, Equatable {
    public let storage: StorageReference
    public let offset: Int
    public let shape: [Int]
    public let strides: [Int]
    public let elementCount: Int

    struct Invalid: Error {
        /// True when the view is consistent but larger than `ImportLimits` allows.
        var overLimit = false
        var detail: String
    }

    init(storage: StorageReference, offset: Int, shape: [Int], strides: [Int]) throws(Invalid) {
        var count = 1, last = offset
        if shape.contains(0) { count = 0 }
        for (size, stride) in zip(shape, strides) where count > 0 {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= ImportLimits.maxTensorElements else {
                throw Invalid(overLimit: true, detail: "tensor size \(shape) exceeds \(ImportLimits.maxTensorElements) elements")
            }
            count = product
            let (reach, o1) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, o2) = last.addingReportingOverflow(reach)
            guard !o1, !o2 else { throw Invalid(detail: "tensor view (offset \(offset), size \(shape), stride \(strides)) overflows") }
            last = sum
        }
        guard count == 0 || last < storage.elementCount else {
            throw Invalid(detail: "tensor view (offset \(offset), size \(shape), stride \(strides)) reaches past "
                + "its storage of \(storage.elementCount) elements")
        }
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.strides = strides
        self.elementCount = count
    }

    /// True when the strides are the row-major ones for `shape`.
    public var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() {
            if size != 1 && stride != expected { return false }
            expected *= size
        }
        return true
    }
}
