/// Why a model file could not be written or read: one line naming the file and the reason.
public struct ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// HDF5 could not open or read it (missing, not HDF5, damaged).
        case unreadable(detail: String)
        /// An HDF5 file, but not one `ModelFile.write` made.
        case notAModelFile(detail: String)
        /// A model file of another format version.
        case unsupportedVersion(Int)
        /// A dataset or attribute of the wrong type, shape or value for the variant.
        case malformed(detail: String)
        /// A weight dataset holds NaN or ±infinity.
        case nonFinite(dataset: String, index: Int)
        /// The file could not be written or moved into place.
        case cannotWrite(detail: String)
    }

    public let file: String
    public let reason: Reason

    public init(file: String, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .unreadable(let detail): "\(file): not a readable cbr model file (\(detail))"
        case .notAModelFile(let detail): "\(file): not a cbr model file (\(detail))"
        case .unsupportedVersion(let version):
            "\(file): model file format version \(version), this cbr reads version \(ModelFile.formatVersion)"
        case .malformed(let detail): "\(file): \(detail)"
        case let .nonFinite(dataset, index):
            "\(file): \(dataset) holds a non-finite value (NaN or infinity) at element \(index)"
        case .cannotWrite(let detail): "\(file): cannot write (\(detail))"
        }
    }
}
