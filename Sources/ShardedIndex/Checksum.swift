import CZlibCRC

/// CRC-32 (zlib's polynomial, the value Python's `zlib.crc32` returns) over raw bytes, fed in pieces.
/// The only place ShardedIndex calls zlib.
public struct CRC32: Sendable, Equatable {
    public private(set) var value: UInt32 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        value = UInt32(truncatingIfNeeded: crc32_z(UInt(value), base.assumingMemoryBound(to: UInt8.self), bytes.count))
    }

    public mutating func update<T>(_ elements: UnsafeBufferPointer<T>) {
        update(UnsafeRawBufferPointer(elements))
    }

    /// `crc32:` followed by eight lower-case hex digits, the form stored in manifests and shard attributes.
    public var text: String {
        let hex = String(value, radix: 16)
        return "crc32:" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    public static func of<T>(_ elements: UnsafeBufferPointer<T>) -> CRC32 {
        var crc = CRC32()
        crc.update(elements)
        return crc
    }
}
