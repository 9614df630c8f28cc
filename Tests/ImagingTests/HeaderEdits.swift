/// Edits of the size a real file's header declares, as a hostile file would make them.
enum HeaderEdits {
    /// `png` with its IHDR width and height replaced (and the chunk's CRC recomputed, so libpng accepts it).
    static func png(_ png: [UInt8], width: UInt32, height: UInt32) -> [UInt8] {
        var bytes = png
        // Signature (8), IHDR length (4), "IHDR" (4), then width and height, big-endian.
        for (offset, value) in [(16, width), (20, height)] {
            for k in 0 ..< 4 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * k)) }
        }
        let crc = crc32(bytes[12 ..< 29])
        for k in 0 ..< 4 { bytes[29 + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * k)) }
        return bytes
    }

    /// `jpeg` with the height and width of its first SOF segment replaced, or nil when it has none.
    static func jpeg(_ jpeg: [UInt8], width: UInt16, height: UInt16) -> [UInt8]? {
        var bytes = jpeg, i = 2
        while i + 9 < bytes.count, bytes[i] == 0xFF {
            let marker = bytes[i + 1]
            if (0xC0 ... 0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                bytes[i + 5] = UInt8(height >> 8); bytes[i + 6] = UInt8(height & 0xFF)
                bytes[i + 7] = UInt8(width >> 8); bytes[i + 8] = UInt8(width & 0xFF)
                return bytes
            }
            i += 2 + (Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]))
        }
        return nil
    }

    /// The CRC-32 (ISO 3309, as PNG chunks use it) of `bytes`.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
