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
public struct TensorReference: Sendable, Equatable {
    public var storage: StorageReference
    public var offset: Int
    public var shape: [Int]
    public var strides: [Int]

    public var elementCount: Int { shape.reduce(1, *) }

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
