import Foundation

/// How values travel between ranks as bytes: arrays of plain numbers as their memory, anything `Codable`
/// as JSON. Decoding checks lengths, so a short or ragged message is an error, never a trap.
public enum ClusterCoding {
    /// The memory of `values` (numbers of a fixed width: Float, Int32, Int64, …).
    public static func bytes<T: BitwiseCopyable>(of values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }

    /// The values whose memory `bytes` holds.
    public static func values<T: BitwiseCopyable>(_ type: T.Type, from bytes: [UInt8]) throws -> [T] {
        let width = MemoryLayout<T>.stride
        guard bytes.count % width == 0 else {
            throw ClusterError.malformedMessage("\(bytes.count) bytes is not a whole number of \(width)-byte values")
        }
        return [T](unsafeUninitializedCapacity: bytes.count / width) { buffer, count in
            bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            count = bytes.count / width
        }
    }

    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch {
            throw ClusterError.malformedMessage("not a \(type): \(error.localizedDescription)")
        }
    }
}
