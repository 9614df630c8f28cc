import Foundation

/// A set of images with, for each, the key it is stored under in the index and its class (if known).
///
/// Two layouts are understood:
/// - class per folder: `<root>/<class name>/<images…>`; deeper folders are allowed, the first level names
///   the class. Hidden files and folders (a leading `.`) are skipped.
/// - Google Landmarks v2: a CSV (`id,landmark_id` as in `train.csv`, optionally with `url`;
///   `landmark_id,images` as in `train_clean.csv`; or `id,landmarks[,Usage]` as in the recognition
///   solution, where an empty `landmarks` marks a non-landmark query) and an image root where image
///   `abcdef…` lives at `ROOT/a/b/c/abcdef….jpg`.
///
/// Items hold plain strings and a class number rather than URLs, so that a listing of GLDv2 scale
/// (millions of images) stays small.
public struct Dataset: Sendable {
    public struct Item: Sendable, Hashable {
        /// The file to decode.
        public var path: String
        /// What the index stores as the row's id: the path relative to the dataset root, or the GLDv2 id.
        public var key: String
        /// Index into `classNames`, or `nil` for an image with no known class.
        public var label: Int32?
        /// The path's bytes when they are not UTF-8 (`path` then shows them with U+FFFD); nil otherwise,
        /// so that a listing of millions stays small.
        private var rawPath: [UInt8]?

        public init(path: String, key: String, label: Int32?) {
            self.path = path
            self.key = key
            self.label = label
        }

        public init(file: DiskPath, key: String, label: Int32?) {
            self.init(path: file.description, key: key, label: label)
            rawPath = file.isUTF8 ? nil : file.bytes
        }

        /// The file to decode, byte for byte.
        public var file: DiskPath { rawPath.map { DiskPath(bytes: $0) } ?? DiskPath(path) }
    }

    /// An entry of the dataset that cannot be used, with the reason.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    public private(set) var classNames: [String]
    public private(set) var items: [Item]
    /// Entries that were listed but can never be indexed (e.g. a file outside any class folder).
    public private(set) var problems: [Problem]

    public init(classNames: [String], items: [Item], problems: [Problem] = []) {
        self.classNames = classNames
        self.items = items
        self.problems = problems
    }

    public func className(of item: Item) -> String? {
        item.label.map { classNames[Int($0)] }
    }
}

extension Dataset {
    /// The dataset a command names: a class-per-folder directory, or a GLDv2 CSV with its image root.
    public static func open(folder: String?, csv: String?, images: String?) throws -> Dataset {
        switch (folder, csv, images) {
        case (let folder?, nil, nil):
            return try classFolders(at: DiskPath(argument: folder))
        case (nil, let csv?, let images?):
            return try gldv2(csv: URL(fileURLWithPath: csv), images: URL(fileURLWithPath: images))
        default:
            throw PipelineError(file: folder ?? csv ?? ".", reason: .noDataset)
        }
    }
}
