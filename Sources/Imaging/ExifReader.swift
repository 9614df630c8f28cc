/// A small, bounds-checked reader of the TIFF structure inside an EXIF block, just enough to find IFD0's
/// orientation tag the way Pillow's `Image.getexif()` does.
enum ExifReader {
    /// The orientation (tag 0x0112) in IFD0 of `exif` (a TIFF header, optionally preceded by one or two
    /// `Exif\0\0` prefixes), when it holds one integer (BYTE-less integer types, count 1). The last entry
    /// wins when the tag repeats. Nil when absent or when the structure is malformed.
    static func orientationTag(in exif: [UInt8]) -> Int? {
        let prefix: [UInt8] = Array("Exif".utf8) + [0, 0]
        var start = 0
        for _ in 0 ..< 2 where exif.count >= start + 6 && exif[start ..< start + 6].elementsEqual(prefix) {
            start += 6
        }
        let tiff = exif[start...]
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[start], tiff[start + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            let a = Int(tiff[start + at]), b = Int(tiff[start + at + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int? {
            guard let lo = u16(little ? at : at + 2), let hi = u16(little ? at + 2 : at) else { return nil }
            return hi << 16 | lo
        }
        guard let ifd = u32(4), let count = u16(ifd) else { return nil }
        var found: Int?
        for entry in 0 ..< count {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at), let type = u16(at + 2), let n = u32(at + 4) else { break }
            guard tag == 0x0112, n == 1 else { continue }
            switch type {
            case 3: found = u16(at + 8)                                   // SHORT
            case 4: found = u32(at + 8)                                   // LONG
            case 6: found = u16(at + 8).map { Int(Int8(truncatingIfNeeded: little ? $0 : $0 >> 8)) } // SBYTE
            case 8: found = u16(at + 8).map { Int(Int16(truncatingIfNeeded: $0)) }   // SSHORT
            case 9: found = u32(at + 8).map { Int(Int32(truncatingIfNeeded: $0)) }   // SLONG
            default: continue
            }
        }
        return found
    }
}
