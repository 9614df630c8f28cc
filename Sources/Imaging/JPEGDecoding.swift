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
        let cmyk = TurboJPEGDecompressor.isCMYK(header.colorspace)
        var decoded = [UInt8](repeating: 0, count: header.width * header.height * (cmyk ? 4 : 3))
        let failure = decoded.withUnsafeMutableBufferPointer { out -> TurboJPEGDecompressor.Failure? in
            do throws(TurboJPEGDecompressor.Failure) {
                try codec.decode(bytes, header: header, cmyk: cmyk, into: out)
                return nil
            } catch {
                return error
            }
        }
        if let failure, !Self.isTolerated(failure) { throw Self.jpegError(failure, name: name) }
        if !markers.hasEndMarker {
            throw ImageError(file: name, reason: .truncated(detail: "no end-of-image marker after the scan data"))
        }
        if cmyk { decoded = Self.invertedCMYKToRGB(decoded) }
        let image = RGBImage(width: header.width, height: header.height, pixels: decoded)
        return image.applying(Orientation.resolve(exif: markers.exif, xmp: markers.xmp))
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

    /// Pillow's `CMYK;I` unpacking (255 − v) followed by its `cmyk2rgb`:
    /// channel = nk − (c·nk + 128 + ((c·nk + 128) >> 8)) >> 8 with nk = 255 − K.
    static func invertedCMYKToRGB(_ cmyk: [UInt8]) -> [UInt8] {
        let count = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        cmyk.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { dst in
                for i in 0 ..< count {
                    let nk = Int(src[4 * i + 3])          // 255 − (255 − raw K)
                    for c in 0 ..< 3 {
                        let ink = 255 - Int(src[4 * i + c])
                        let t = ink * nk + 128
                        dst[3 * i + c] = UInt8(clamping: nk - ((t >> 8) + t) >> 8)
                    }
                }
            }
        }
        return rgb
    }
}
