import Foundation

/// Why an export or `--info` failed: one line naming the file and the reason.
public struct ExportError: Error, CustomStringConvertible, Equatable {
    public enum Reason: Equatable, Sendable {
        /// The index has no live class with a row.
        case emptyIndex
        /// The index's rows disagree with its manifest (labels, counts, dimension).
        case inconsistentIndex(String)
        /// The model and the index do not fit together.
        case modelMismatch(String)
        /// The file is not an ONNX model.
        case notONNX(String)
        /// An ONNX model without cbr's metadata, or with malformed metadata.
        case notACBRExport(String)
        /// A size the format cannot hold.
        case tooLarge(String)
    }

    public let file: String
    public let reason: Reason

    public init(file: String, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    public var description: String { file.isEmpty ? because : "\(file): \(because)" }

    private var because: String {
        switch reason {
        case .emptyIndex: "nothing to export: no class with a row (removed classes are left out)"
        case .inconsistentIndex(let why): "index rows disagree with the manifest: \(why)"
        case .modelMismatch(let why): why
        case .notONNX(let why): "not an ONNX model (\(why))"
        case .notACBRExport(let why): "not a cbr classifier export (\(why))"
        case .tooLarge(let why): "too large to export: \(why)"
        }
    }
}
