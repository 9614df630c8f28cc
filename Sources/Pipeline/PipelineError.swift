/// Why the pipeline could not go on with a file or directory: one line naming it and the reason.
public struct PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The file or directory cannot be used, with the walker's or the system's plain reason
        /// (`permission denied`, `symlink loop`, `not a regular file`, …).
        case unusable(String)
        /// A class-per-folder dataset that does not exist.
        case noSuchDirectory
        /// A class-per-folder dataset that is a file.
        case notADirectory
        /// Neither a class-per-folder directory nor a GLDv2 CSV with its image root was given.
        case noDataset
        /// A CSV file that cannot be opened or read.
        case unreadableCSV(detail: String)
        /// A CSV file (at `line`, when known) that is not what a GLDv2 file holds.
        case malformedCSV(line: Int?, detail: String)
        /// The demo's photo folder holds no image.
        case noPhotos
        /// `index build` into a directory that already holds an index.
        case indexExists
        /// `index add` (or `--resume`) where there is no index.
        case noIndex
        /// An index without an embedder model (made by `index import`) asked to embed images.
        case noRecordedModel
        /// A model other than the one the index was built with.
        case modelMismatch(model: String, recorded: String, recordedPath: String?)
        /// An index whose dimension is not the model's.
        case dimensionMismatch(index: Int, model: Int)
        /// The prototype rule asked of a classifier opened without the prototypes.
        case prototypesNotLoaded
        /// Descriptor options other than the ones the index was built with.
        case descriptorMismatch(asked: String, recorded: String)
    }

    public let file: String
    public let reason: Reason

    public init(file: String, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .unusable(let detail): "\(file): \(detail)"
        case .noSuchDirectory: "\(file): no such directory"
        case .notADirectory: "\(file): not a directory (a class-per-folder dataset is a directory)"
        case .noDataset: "\(file): give either a class-per-folder directory or --csv FILE with --images ROOT"
        case .unreadableCSV(let detail): "\(file): \(detail)"
        case let .malformedCSV(line?, detail): "\(file):\(line): \(detail)"
        case let .malformedCSV(nil, detail): "\(file): \(detail)"
        case .noPhotos: "\(file): no photos (run make bootstrap)"
        case .indexExists: "\(file): already holds an index (use --resume to continue it, or index add)"
        case .noIndex: "\(file): no index here (use index build)"
        case .noRecordedModel: "\(file): the index records no embedder model (made by index import?)"
        case let .modelMismatch(model, recorded, recordedPath):
            "\(file): model \(model) differs from the index's \(recorded) (built with \(recordedPath ?? "an unrecorded file"))"
        case let .dimensionMismatch(index, model): "\(file): index dimension \(index) differs from the model's \(model)"
        case .prototypesNotLoaded: "\(file): the prototype rule needs the classifier opened with it"
        case let .descriptorMismatch(asked, recorded):
            "\(file): the index was built with descriptor \(recorded), not \(asked) (queries are embedded as the rows were)"
        }
    }
}
