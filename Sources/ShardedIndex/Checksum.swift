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

    /// Whether `text` has the form `crc32:` + eight lower-case hex digits.
    static func isText(_ text: String) -> Bool {
        let hex = text.utf8.dropFirst(6)
        return text.hasPrefix("crc32:") && hex.count == 8 && hex.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The checksum of a shard's `ids`: each id's UTF-8 bytes followed by one zero byte, in row order
    /// (Python: `zlib.crc32(b"".join(s.encode() + b"\0" for s in ids))`).
    static func of(ids: some Sequence<String>) -> CRC32 {
        var crc = CRC32()
        var zero: UInt8 = 0
        for id in ids {
            var id = id
            id.withUTF8 { crc.update(UnsafeRawBufferPointer($0)) }
            withUnsafeBytes(of: &zero) { crc.update($0) }
        }
        return crc
    }

    public static func of<T>(_ elements: UnsafeBufferPointer<T>) -> CRC32 {
        var crc = CRC32()
        crc.update(elements)
        return crc
    }
}
