import Foundation

/// Decodes JPEG and PNG files into 8-bit RGB exactly as `ImageOps.exif_transpose(Image.open(f)).convert("RGB")`
/// does in Pillow (JPEG within one grey level: a different libjpeg-turbo build). Input is validated: the format
/// comes from the magic bytes, the pixel count is checked against `maxPixels` from the header before any
/// large allocation, and truncated or corrupt data throws. Safe to use from several threads at once; the
/// decodes in flight together hold at most `budget.capacity` pixels (see docs/reliability.md).
public struct ImageDecoder: Sendable {
    /// 50 megapixels, about 150 MB of RGB: more than any camera photo the embedder is meant for.
    public static let defaultMaxPixels = 50_000_000

    /// Images whose header announces more pixels than this are rejected.
    public var maxPixels: Int

    /// The gate every decode waits at with its declared pixel count, shared by all decoders using it.
    public var budget: PixelBudget

    /// When set (`DecodeMode.fast`), JPEGs whose shorter side is at least twice this are decoded by
    /// libjpeg-turbo at 1/2, 1/4 or 1/8 scale in the IDCT, the smallest that keeps the shorter side at least
    /// this (what Pillow's `draft` does); nil decodes every image at full size (exact).
    public var draftShorterSide: Int?

    public init(maxPixels: Int = ImageDecoder.defaultMaxPixels, budget: PixelBudget = .shared,
                draftShorterSide: Int? = nil) {
        precondition(maxPixels > 0, "ImageDecoder: maxPixels must be positive")
        self.maxPixels = maxPixels
        self.budget = budget
        self.draftShorterSide = draftShorterSide
    }

    /// A decoder for `preprocessor`'s input in `mode`: fast drafts JPEGs down to its resize's shorter side.
    public init(for preprocessor: Preprocessor, mode: DecodeMode) {
        self.init(draftShorterSide: mode == .fast ? preprocessor.shorterSide : nil)
    }

    /// The largest file read: room for every pixel at 8 bytes (16-bit RGBA stored raw) plus 16 MiB of metadata.
    public var maxFileBytes: Int { maxPixels.multipliedReportingOverflow(by: 8).partialValue &+ (16 << 20) }

    public func decode(contentsOf url: URL) throws(ImageError) -> RGBImage {
        let name = url.path
        let data: Data
        do {
            let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
            if size > maxFileBytes {
                throw ImageError(file: name, reason: .fileTooLarge(bytes: size, limit: maxFileBytes))
            }
            data = try Data(contentsOf: url)
        } catch let error as ImageError {
            throw error
        } catch {
            throw ImageError(file: name, reason: .unreadable(detail: Self.describe(error)))
        }
        return try decode(data: data, name: name)
    }

    /// Decodes an image held in memory; `name` labels errors.
    public func decode(data: Data, name: String) throws(ImageError) -> RGBImage {
        let result: Result<RGBImage, ImageError> = data.withUnsafeBytes { bytes in
            Result { () throws(ImageError) in try decode(bytes: bytes, name: name) }
        }
        return try result.get()
    }

    func decode(bytes: UnsafeRawBufferPointer, name: String) throws(ImageError) -> RGBImage {
        switch ImageFormat(sniffing: bytes) {
        case .empty: throw ImageError(file: name, reason: .empty)
        case .unknown: throw ImageError(file: name, reason: .unknownFormat)
        case .partialSignature: throw ImageError(file: name, reason: .truncated(detail: "file ends inside the signature"))
        case .jpeg: return try decodeJPEG(bytes, name: name)
        case .png: return try decodePNG(bytes, name: name)
        }
    }

    /// Throws unless a `width`×`height` image is within the pixel limit.
    func checkPixelLimit(width: Int, height: Int, name: String) throws(ImageError) {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxPixels {
            throw ImageError(file: name, reason: .tooManyPixels(width: width, height: height, limit: maxPixels))
        }
    }

    private static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        return ns.localizedDescription
    }
}

/// The container format, from the first bytes.
enum ImageFormat: Equatable {
    case empty, unknown, partialSignature, jpeg, png

    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    init(sniffing bytes: UnsafeRawBufferPointer) {
        if bytes.isEmpty { self = .empty; return }
        for (signature, format) in [(Self.jpegSignature, Self.jpeg), (Self.pngSignature, Self.png)] {
            if bytes.starts(with: signature) { self = format; return }
            if bytes.count < signature.count, signature.starts(with: bytes) { self = .partialSignature; return }
        }
        self = .unknown
    }
}
