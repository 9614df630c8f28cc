/// The EXIF orientation tag (0x0112) and the transposition that undoes it, as Pillow's
/// `ImageOps.exif_transpose` applies it.
enum Orientation: Int, Sendable {
    case normal = 1, flipLeftRight, rotate180, flipTopBottom, transpose, rotate270, transverse, rotate90

    /// Where Pillow's sources of the orientation point, in its order of precedence: the EXIF IFD0 tag,
    /// else `tiff:Orientation` in the XMP packet. A value outside 1...8 means no transposition.
    static func resolve(exif: [UInt8]?, xmp: [UInt8]?) -> Orientation {
        if let exif, let value = ExifReader.orientationTag(in: exif) {
            return Orientation(rawValue: value) ?? .normal
        }
        if let xmp, let value = xmpOrientation(xmp) {
            return Orientation(rawValue: value) ?? .normal
        }
        return .normal
    }

    /// The first `tiff:Orientation="D` or `tiff:Orientation>D` in an XMP packet (Pillow's regular expression).
    static func xmpOrientation(_ xmp: [UInt8]) -> Int? {
        let key = Array("tiff:Orientation".utf8)
        guard xmp.count > key.count + 1 else { return nil }
        var start = 0
        while start + key.count + 1 < xmp.count {
            guard let hit = find(key, in: xmp, from: start) else { return nil }
            var i = hit + key.count
            if xmp[i] == UInt8(ascii: "=") {
                i += 1
                guard i < xmp.count, xmp[i] == UInt8(ascii: "\"") else { start = hit + 1; continue }
                i += 1
            } else if xmp[i] == UInt8(ascii: ">") {
                i += 1
            } else {
                start = hit + 1
                continue
            }
            if i < xmp.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(xmp[i]) {
                return Int(xmp[i] - UInt8(ascii: "0"))
            }
            start = hit + 1
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for i in start...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i ..< i + needle.count].elementsEqual(needle) { return i }
        }
        return nil
    }
}

extension RGBImage {
    /// The image transposed so that it displays upright (Pillow's FLIP/ROTATE/TRANSPOSE/TRANSVERSE).
    func applying(_ orientation: Orientation) -> RGBImage {
        if orientation == .normal { return self }
        let w = width, h = height
        let swaps = orientation.rawValue >= Orientation.transpose.rawValue
        let outW = swaps ? h : w, outH = swaps ? w : h
        // Source pixel of output (x, y): sx = x0 + x·ax + y·ay, sy = y0 + x·bx + y·by.
        let (x0, ax, ay, y0, bx, by): (Int, Int, Int, Int, Int, Int)
        switch orientation {
        case .normal: (x0, ax, ay, y0, bx, by) = (0, 1, 0, 0, 0, 1)
        case .flipLeftRight: (x0, ax, ay, y0, bx, by) = (w - 1, -1, 0, 0, 0, 1)
        case .rotate180: (x0, ax, ay, y0, bx, by) = (w - 1, -1, 0, h - 1, 0, -1)
        case .flipTopBottom: (x0, ax, ay, y0, bx, by) = (0, 1, 0, h - 1, 0, -1)
        case .transpose: (x0, ax, ay, y0, bx, by) = (0, 0, 1, 0, 1, 0)
        case .rotate270: (x0, ax, ay, y0, bx, by) = (0, 0, 1, h - 1, -1, 0)
        case .transverse: (x0, ax, ay, y0, bx, by) = (w - 1, 0, -1, h - 1, -1, 0)
        case .rotate90: (x0, ax, ay, y0, bx, by) = (w - 1, 0, -1, 0, 1, 0)
        }
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for y in 0 ..< outH {
                    var sx = x0 + y * ay, sy = y0 + y * by
                    for _ in 0 ..< outW {
                        let s = (sy * w + sx) * 3
                        dst[o] = src[s]
                        dst[o + 1] = src[s + 1]
                        dst[o + 2] = src[s + 2]
                        o += 3
                        sx += ax
                        sy += bx
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }
}
