extension ImageDecoder {
    /// PNG through libpng, converted to RGB as Pillow's `.convert("RGB")` does: alpha and tRNS dropped
    /// without compositing, 16-bit samples keep their high byte except 16-bit grey (Pillow's `I;16`), which
    /// is clipped to 255; palette indices past the PLTE give black; then the EXIF
    /// orientation (eXIf chunk, "Raw profile type exif" text, or XMP `tiff:Orientation`).
    func decodePNG(_ bytes: UnsafeRawBufferPointer, name: String) throws(ImageError) -> RGBImage {
        guard let png = LibPNGReader(bytes) else {
            throw ImageError(file: name, reason: .unreadable(detail: "cannot create a libpng reader"))
        }
        do {
            try png.readInfo()
        } catch {
            throw Self.pngError(error, name: name)
        }
        let width = png.width, height = png.height
        try checkPixelLimit(width: width, height: height, name: name)
        let pixels: [UInt8]
        do {
            pixels = try Self.readRGB(png, width: width, height: height)
        } catch {
            throw Self.pngError(error, name: name)
        }
        png.readEnd()
        let texts = png.texts
        let exif = png.exif.map { Array("Exif".utf8) + [0, 0] + $0 } ?? texts["Raw profile type exif"].flatMap(Self.rawProfileBytes)
        let orientation = Orientation.resolve(exif: exif, xmp: texts["XML:com.adobe.xmp"])
        return RGBImage(width: width, height: height, pixels: pixels).applying(orientation)
    }

    /// The rows as RGB8: read in place when libpng already delivers RGB8, else converted.
    private static func readRGB(_ png: LibPNGReader, width: Int, height: Int) throws(LibPNGReader.Failure) -> [UInt8] {
        let palette = pillowPalette(png.palette)
        try png.prepare()
        let layout = PNGSampleLayout(type: png.colorType ?? .rgb, bitDepth: png.bitDepth, channels: png.channels)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        if layout.isRGB8, png.rowBytes == width * 3 {
            try png.readImage(into: &pixels)
        } else {
            var rows = [UInt8](repeating: 0, count: png.rowBytes * height)
            try png.readImage(into: &rows)
            layout.convert(rows, rowBytes: png.rowBytes, width: width, height: height, palette: palette, into: &pixels)
        }
        return pixels
    }

    static func pngError(_ failure: LibPNGReader.Failure, name: String) -> ImageError {
        ImageError(file: name, reason: failure.ranOutOfData ? .truncated(detail: failure.message)
                                                            : .corrupt(detail: failure.message))
    }

    /// Pillow's 256-entry palette: the PLTE entries, then black.
    static func pillowPalette(_ plte: [UInt8]) -> [UInt8] {
        Array(plte.prefix(768)) + [UInt8](repeating: 0, count: 768 - min(plte.count, 768))
    }

    /// ImageMagick's hex-encoded EXIF text: Pillow joins the lines after the third and reads them as hex.
    static func rawProfileBytes(_ text: [UInt8]) -> [UInt8]? {
        let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.count > 3 else { return nil }
        let digits = lines.dropFirst(3).joined().filter { !($0 == 0x20 || (0x09...0x0D).contains($0)) }
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for digit in digits {
            guard let value = hexValue(digit) else { return nil }
            if let h = high { bytes.append(h << 4 | value); high = nil } else { high = value }
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// How libpng delivers a row after `prepare()`, and its conversion to RGB8.
struct PNGSampleLayout {
    var type: LibPNGReader.ColorType
    var bitDepth: Int
    var channels: Int

    var isRGB8: Bool { type == .rgb && bitDepth == 8 && channels == 3 }

    func convert(_ rows: [UInt8], rowBytes: Int, width: Int, height: Int, palette: [UInt8],
                 into pixels: inout [UInt8]) {
        let bytesPerSample = bitDepth == 16 ? 2 : 1
        let step = channels * bytesPerSample
        let colour = type == .rgb || type == .rgbAlpha
        let clipGrey16 = type == .gray && bitDepth == 16
        rows.withUnsafeBufferPointer { src in
            palette.withUnsafeBufferPointer { lut in
                pixels.withUnsafeMutableBufferPointer { dst in
                    var o = 0
                    for y in 0 ..< height {
                        var s = y * rowBytes
                        for _ in 0 ..< width {
                            if type == .palette {
                                let entry = Int(src[s]) * 3
                                dst[o] = lut[entry]; dst[o + 1] = lut[entry + 1]; dst[o + 2] = lut[entry + 2]
                            } else if colour {
                                // High byte of each 16-bit sample; the byte itself at 8 bits.
                                dst[o] = src[s]
                                dst[o + 1] = src[s + bytesPerSample]
                                dst[o + 2] = src[s + 2 * bytesPerSample]
                            } else {
                                let v = clipGrey16 ? (src[s] == 0 ? src[s + 1] : 255) : src[s]
                                dst[o] = v; dst[o + 1] = v; dst[o + 2] = v
                            }
                            s += step
                            o += 3
                        }
                    }
                }
            }
        }
    }
}
