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
        try Self.checkDataCanHold(png, bytes: bytes.count, name: name)
        return try budget.withPixels(width * height) { () throws(ImageError) -> RGBImage in
            let pixels: [UInt8]
            do throws(LibPNGReader.Failure) {
                pixels = try Self.readRGB(png, width: width, height: height)
            } catch {
                throw Self.pngError(error, name: name)
            }
            png.readEnd()
            let texts = png.texts
            let exif = png.exif.map { Array("Exif".utf8) + [0, 0] + $0 }
                ?? texts["Raw profile type exif"].flatMap(Self.rawProfileBytes)
            let orientation = Orientation.resolve(exif: exif, xmp: texts["XML:com.adobe.xmp"])
            return RGBImage(width: width, height: height, pixels: pixels).applying(orientation)
        }
    }

    /// Deflate expands at most 1032:1 (a 258-byte match in two bits), so a file shorter than the image's raw
    /// samples / 1032 cannot hold them: it is truncated, and fails before any image buffer is allocated.
    static let maximumDeflateRatio = 1032

    private static func checkDataCanHold(_ png: LibPNGReader, bytes: Int, name: String) throws(ImageError) {
        let rawBytes = png.width * png.height * png.bitDepth * png.channels / 8    // within the pixel limit
        let needed = rawBytes / maximumDeflateRatio
        guard bytes < needed else { return }
        let detail = "\(bytes) bytes cannot hold the \(png.width)×\(png.height) image's \(rawBytes) bytes of samples"
        throw ImageError(file: name, reason: .truncated(detail: detail))
    }

    /// The rows as RGB8, read one at a time: straight into the image when libpng delivers RGB8 rows, else
    /// through one row buffer and converted (Adam7 passes placed where they belong). The image is the only
    /// full-size buffer, and its pages are only touched as rows arrive.
    private static func readRGB(_ png: LibPNGReader, width: Int, height: Int) throws(LibPNGReader.Failure) -> [UInt8] {
        let palette = pillowPalette(png.palette)
        try png.prepare()
        let layout = PNGSampleLayout(type: png.colorType ?? .rgb, bitDepth: png.bitDepth, channels: png.channels)
        let direct = layout.isRGB8 && !png.isInterlaced && png.rowBytes == width * 3
        let row = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: direct ? 1 : png.rowBytes)
        defer { row.deallocate() }
        var failure: LibPNGReader.Failure?
        let count = width * height * 3
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            guard let base = out.baseAddress, let rowBase = row.baseAddress else { return }
            do throws(LibPNGReader.Failure) {
                if direct {
                    for y in 0 ..< height { try png.readRow(into: base + y * width * 3) }
                } else {
                    for pass in png.isInterlaced ? AdamPass.all : [AdamPass.whole] {
                        let columns = pass.columns(width), rows = pass.rows(height)
                        for r in 0 ..< rows where columns > 0 {
                            try png.readRow(into: rowBase)
                            layout.convert(UnsafeBufferPointer(row), count: columns, palette: palette, into: out,
                                           from: ((pass.y0 + r * pass.dy) * width + pass.x0) * 3, step: pass.dx * 3)
                        }
                    }
                }
                initialized = count
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
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
