import CImageCodecs

/// Every TurboJPEG call cbr makes. A decompressor handle is not thread-safe, so each decode makes its own.
final class TurboJPEGDecompressor {
    struct Header {
        var width: Int
        var height: Int
        var colorspace: Int32
    }

    enum Failure: Error {
        /// TurboJPEG's fatal error, or a warning it reported; with its message.
        case fatal(String)
        case warning(String)

        var message: String {
            switch self {
            case .fatal(let text), .warning(let text): return text
            }
        }
    }

    private let handle: tjhandle

    init?() {
        guard let handle = tjInitDecompress() else { return nil }
        self.handle = handle
    }

    deinit { tjDestroy(handle) }

    func header(_ jpeg: UnsafeRawBufferPointer) throws(Failure) -> Header {
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = tjDecompressHeader3(handle, base(jpeg), UInt(jpeg.count),
                                         &width, &height, &subsampling, &colorspace)
        if status != 0 { throw failure() }
        return Header(width: Int(width), height: Int(height), colorspace: colorspace)
    }

    /// Decodes into `output` (width·height·channels bytes) as RGB, or as CMYK when `cmyk`, at the header's size
    /// or, when `width`×`height` is `scaledSize(header, denominator:)`, scaled down in the IDCT (1/2, 1/4, 1/8).
    /// Accurate (islow) IDCT and fancy upsampling, libjpeg's defaults, as Pillow uses them; with `draft`, the
    /// fastest IDCT and plain chroma upsampling, as Pillow's `draft` sets them.
    /// A warning leaves a complete image in `output` and is thrown for the caller to judge.
    func decode(_ jpeg: UnsafeRawBufferPointer, width: Int, height: Int, cmyk: Bool, draft: Bool = false,
                into output: UnsafeMutableBufferPointer<UInt8>) throws(Failure) {
        let format = cmyk ? TJPF_CMYK : TJPF_RGB
        let method = draft ? TJFLAG_FASTDCT | TJFLAG_FASTUPSAMPLE : TJFLAG_ACCURATEDCT
        let status = tjDecompress2(handle, base(jpeg), UInt(jpeg.count), output.baseAddress,
                                   Int32(width), 0, Int32(height), Int32(format.rawValue), method | TJFLAG_LIMITSCANS)
        if status != 0 { throw failure() }
    }

    /// The size TurboJPEG decodes a `header` image to at scale 1/`denominator` (its TJSCALED: rounded up).
    static func scaledSize(_ header: Header, denominator: Int) -> (width: Int, height: Int) {
        ((header.width + denominator - 1) / denominator, (header.height + denominator - 1) / denominator)
    }

    static func isCMYK(_ colorspace: Int32) -> Bool {
        colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
    }

    private func base(_ jpeg: UnsafeRawBufferPointer) -> UnsafePointer<UInt8>? {
        jpeg.baseAddress?.assumingMemoryBound(to: UInt8.self)
    }

    /// TurboJPEG reports TJERR_WARNING whenever a warning came first, even when a fatal error followed; its
    /// message is the fatal error's if there was one, else the first warning's. So a warning is only a
    /// warning when its text is one of libjpeg's warning messages (`JWRN_*` in jerror.h).
    private func failure() -> Failure {
        let message = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown TurboJPEG error"
        let warned = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
        return warned && Self.warningPrefixes.contains(where: message.hasPrefix) ? .warning(message) : .fatal(message)
    }

    private static let warningPrefixes = [
        "Corrupt JPEG data", "Premature end of JPEG file", "Warning: unknown JFIF revision",
        "Inconsistent progression sequence", "Invalid SOS parameters for sequential JPEG",
        "Unknown Adobe color transform code", "Application transferred too many scanlines",
    ]
}

/// TurboJPEG's compressor: RGB pixels to a baseline JPEG (thumbnails in reports). Not thread-safe: one per use.
final class TurboJPEGCompressor {
    private let handle: tjhandle

    init?() {
        guard let handle = tjInitCompress() else { return nil }
        self.handle = handle
    }

    deinit { tjDestroy(handle) }

    /// The JPEG of `pixels` (`width`·`height`·3 bytes, RGB), 4:2:0 chroma at `quality` (1…100).
    func encode(_ pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, quality: Int) -> [UInt8]? {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max),
              pixels.count >= width * height * 3 else { return nil }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = tjCompress2(handle, pixels.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue),
                                 &output, &size, Int32(TJSAMP_420.rawValue), Int32(min(100, max(1, quality))),
                                 TJFLAG_ACCURATEDCT)
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else { return nil }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}
