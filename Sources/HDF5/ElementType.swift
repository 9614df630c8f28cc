/// The type of a dataset's or attribute's elements, as stored in the file.
public enum H5ElementType: Hashable, Sendable, CustomStringConvertible {
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    /// IEEE binary16 (h5py and numpy read it as `float16`).
    case float16
    case float32, float64
    /// Variable-length UTF-8 strings (h5py: `str`).
    case string
    /// Fixed-length strings of `byteCount` bytes, NUL-padded, UTF-8 (h5py: `bytes`, numpy `S<n>`).
    case fixedString(byteCount: Int)
    /// A type this module does not read or write (compound, enum, ...), described by HDF5's class.
    case unsupported(String)

    public var description: String {
        switch self {
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .float16: "float16"
        case .float32: "float32"
        case .float64: "float64"
        case .string: "string"
        case .fixedString(let n): "fixedString(\(n))"
        case .unsupported(let what): "unsupported(\(what))"
        }
    }

    /// Bytes one element takes in memory (for variable-length strings, one pointer).
    var memoryByteCount: Int {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16, .float16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        case .string, .unsupported: MemoryLayout<UnsafeRawPointer>.size
        case .fixedString(let n): n
        }
    }
}

/// A Swift number type stored element for element in HDF5 (datasets and attributes).
public protocol H5Scalar: BitwiseCopyable, Sendable {
    /// The type a dataset or attribute created from values of this type gets in the file.
    static var elementType: H5ElementType { get }
}

extension Int8: H5Scalar { public static var elementType: H5ElementType { .int8 } }
extension Int16: H5Scalar { public static var elementType: H5ElementType { .int16 } }
extension Int32: H5Scalar { public static var elementType: H5ElementType { .int32 } }
extension Int64: H5Scalar { public static var elementType: H5ElementType { .int64 } }
/// `Int` is stored as int64 (64-bit platforms only).
extension Int: H5Scalar { public static var elementType: H5ElementType { .int64 } }
extension UInt8: H5Scalar { public static var elementType: H5ElementType { .uint8 } }
extension UInt16: H5Scalar { public static var elementType: H5ElementType { .uint16 } }
extension UInt32: H5Scalar { public static var elementType: H5ElementType { .uint32 } }
extension UInt64: H5Scalar { public static var elementType: H5ElementType { .uint64 } }
extension Float16: H5Scalar { public static var elementType: H5ElementType { .float16 } }
extension Float: H5Scalar { public static var elementType: H5ElementType { .float32 } }
extension Double: H5Scalar { public static var elementType: H5ElementType { .float64 } }

extension H5ElementType {
    /// The fixed-length UTF-8 string type that holds the longest of `strings` (at least one byte). Fixed-length
    /// strings live in the dataset itself, not in the file's global heap, whose damage libhdf5 1.10 does not
    /// detect; a reader checks their declared length (at most 64 KiB) before allocating.
    public static func fixedString(fitting strings: [String]) -> H5ElementType {
        .fixedString(byteCount: Swift.max(1, strings.lazy.map(\.utf8.count).max() ?? 1))
    }
}
