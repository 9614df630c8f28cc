/// Why an image could not be decoded, with the file it came from.
public struct ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// The file has no bytes.
        case empty
        /// The first bytes are neither a JPEG nor a PNG signature.
        case unknownFormat
        /// The data ends before the image does.
        case truncated(detail: String)
        /// The codec rejected the data (also a valid file of a kind the codec does not handle, e.g. 12-bit JPEG).
        case corrupt(detail: String)
        /// The header announces more pixels than the decoder's limit allows.
        case tooManyPixels(width: Int, height: Int, limit: Int)
        /// The file is larger than any image within the pixel limit could be.
        case fileTooLarge(bytes: Int, limit: Int)
        /// The file could not be read.
        case unreadable(detail: String)
    }

    public let file: String
    public let reason: Reason

    public init(file: String, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .empty: return "\(file): empty file (0 bytes)"
        case .unknownFormat: return "\(file): unknown image format (not JPEG or PNG)"
        case .truncated(let detail): return "\(file): truncated image (\(detail))"
        case .corrupt(let detail): return "\(file): corrupt image data (\(detail))"
        case let .tooManyPixels(width, height, limit):
            return "\(file): \(width)×\(height) = \(width * height) pixels exceeds the limit of \(limit)"
        case let .fileTooLarge(bytes, limit):
            return "\(file): file of \(bytes) bytes exceeds the \(limit) bytes allowed for the pixel limit"
        case .unreadable(let detail): return "\(file): cannot read file (\(detail))"
        }
    }
}
