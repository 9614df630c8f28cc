extension ImageDecoder {
    /// JPEG through TurboJPEG: grey and YCbCr decode straight to RGB; CMYK/YCCK decode to CMYK and convert as
    /// Pillow does (Adobe's inverted polarity assumed, then its `cmyk2rgb`); then the EXIF orientation.
    func decodeJPEG(_ bytes: UnsafeRawBufferPointer, name: String) throws(ImageError) -> RGBImage {
        guard let codec = TurboJPEGDecompressor() else {
            throw ImageError(file: name, reason: .unreadable(detail: "cannot create a TurboJPEG decompressor"))
        }
        let markers = JPEGMarkers(bytes)
        let header: TurboJPEGDecompressor.Header
        do {
            header = try codec.header(bytes)
        } catch {
            throw markers.endsEarly ? ImageError(file: name, reason: .truncated(detail: "\(error.message)"))
                                    : Self.jpegError(error, name: name)
        }
        guard header.width > 0, header.height > 0 else {
            let detail = "no frame header (SOF) before the end of the data"
            throw ImageError(file: name, reason: markers.endsEarly ? .truncated(detail: detail) : .corrupt(detail: detail))
        }
        try checkPixelLimit(width: header.width, height: header.height, name: name)
        // Without an end marker the data was cut short: reported before the image buffer is allocated.
        if !markers.hasEndMarker {
            throw ImageError(file: name, reason: .truncated(detail: "no end-of-image marker after the scan data"))
        }
        let denominator = draftDenominator(width: header.width, height: header.height)
        let size = TurboJPEGDecompressor.scaledSize(header, denominator: denominator)
        return try budget.withPixels(size.width * size.height) { () throws(ImageError) -> RGBImage in
            let cmyk = TurboJPEGDecompressor.isCMYK(header.colorspace)
            var decoded = [UInt8](repeating: 0, count: size.width * size.height * (cmyk ? 4 : 3))
            let failure = decoded.withUnsafeMutableBufferPointer { out -> TurboJPEGDecompressor.Failure? in
                do throws(TurboJPEGDecompressor.Failure) {
                    try codec.decode(bytes, width: size.width, height: size.height, cmyk: cmyk, draft: denominator > 1,
                                     into: out)
                    return nil
                } catch {
                    return error
                }
            }
            if let failure, !Self.isTolerated(failure) { throw Self.jpegError(failure, name: name) }
            if cmyk { Self.convertInvertedCMYKToRGB(&decoded) }
            let image = RGBImage(width: size.width, height: size.height, pixels: decoded)
            return image.applying(Orientation.resolve(exif: markers.exif, xmp: markers.xmp))
        }
    }

    /// 1, or with `draftShorterSide` set the largest of 2, 4, 8 that keeps the shorter side of a `width`×`height`
    /// JPEG at least `draftShorterSide` (so only JPEGs at least twice that are scaled).
    func draftDenominator(width: Int, height: Int) -> Int {
        guard let target = draftShorterSide, target > 0 else { return 1 }
        return [8, 4, 2].first { min(width, height) / $0 >= target } ?? 1
    }

    /// Whether a failure after a complete decode is harmless: Pillow ignores libjpeg's warnings, except
    /// that it reports data ending early as truncation.
    static func isTolerated(_ failure: TurboJPEGDecompressor.Failure) -> Bool {
        if case .warning = failure { return !isPrematureEnd(failure.message) }
        return false
    }

    static func jpegError(_ failure: TurboJPEGDecompressor.Failure, name: String) -> ImageError {
        let message = failure.message
        if isPrematureEnd(message) { return ImageError(file: name, reason: .truncated(detail: message)) }
        return ImageError(file: name, reason: .corrupt(detail: message))
    }

    private static func isPrematureEnd(_ message: String) -> Bool {
        message.contains("Premature end of JPEG file")
    }

    /// Pillow's `CMYK;I` unpacking (255 − v) followed by its `cmyk2rgb`, in place (pixel i's RGB lands at
    /// 3i, before any CMYK byte still to be read), then the CMYK tail dropped:
    /// channel = nk − (c·nk + 128 + ((c·nk + 128) >> 8)) >> 8 with nk = 255 − K.
    static func convertInvertedCMYKToRGB(_ pixels: inout [UInt8]) {
        let count = pixels.count / 4
        pixels.withUnsafeMutableBufferPointer { buffer in
            for i in 0 ..< count {
                let nk = Int(buffer[4 * i + 3])          // 255 − (255 − raw K)
                let c = 255 - Int(buffer[4 * i]), m = 255 - Int(buffer[4 * i + 1]), y = 255 - Int(buffer[4 * i + 2])
                buffer[3 * i] = rgb(ink: c, nk: nk)
                buffer[3 * i + 1] = rgb(ink: m, nk: nk)
                buffer[3 * i + 2] = rgb(ink: y, nk: nk)
            }
        }
        pixels.removeLast(pixels.count - count * 3)
    }

    @inline(__always)
    private static func rgb(ink: Int, nk: Int) -> UInt8 {
        let t = ink * nk + 128
        return UInt8(clamping: nk - ((t >> 8) + t) >> 8)
    }
}
