import Foundation

/// The index's table of contents: `manifest.json` at the index root, replaced atomically on every commit.
/// A shard belongs to the index only once this file lists it; see docs/FORMAT.md.
public struct Manifest: Codable, Sendable, Equatable {
    public static let fileName = "manifest.json"
    public static let formatName = "cbr-index"
    public static let currentVersion = 1

    /// The embedder that produced the rows, so that queries are embedded the same way.
    public struct Model: Codable, Sendable, Equatable {
        public var name: String
        public var checksum: String
        /// Where the model file was when the index was built (optional: a hint for later commands).
        public var path: String?
        public init(name: String, checksum: String, path: String? = nil) {
            self.name = name
            self.checksum = checksum
            self.path = path
        }
    }

    /// How photos were embedded around the network (`cbr index build --pool/--flip/--scales`; absent: the
    /// network's own embedding). Queries are embedded the same way (docs/accuracy.md, "Descriptors").
    public struct Descriptor: Codable, Sendable, Equatable {
        /// `avg` or `gem:P`.
        public var pooling: String
        public var flip: Bool
        /// Input sizes relative to the model's.
        public var scales: [Double]
        public init(pooling: String, flip: Bool, scales: [Double]) {
            self.pooling = pooling
            self.flip = flip
            self.scales = scales
        }
    }

    public struct Shard: Codable, Sendable, Equatable {
        /// Path relative to the index root.
        public var file: String
        public var rows: Int
        /// CRC-32 of the `embeddings` dataset's raw little-endian bytes, as `crc32:xxxxxxxx`.
        public var checksum: String
        /// CRC-32 of the `labels` dataset's raw little-endian bytes.
        public var labelsChecksum: String
        /// CRC-32 of the `ids`, each id's UTF-8 bytes followed by one zero byte (absent in older manifests).
        public var idsChecksum: String?
        /// CRC-32 of the `sources` (each row's content fingerprint, as the ids), when the shard has them.
        public var sourcesChecksum: String?
    }

    public struct Class: Codable, Sendable, Equatable {
        public var id: Int32
        public var name: String
        public var removed: Bool
        /// Rows of this class in the listed shards.
        public var rows: Int
    }

    /// The per-class embedding sums (`prototypes-<generation>.h5`) and the shards they already include.
    public struct Prototypes: Codable, Sendable, Equatable {
        public var file: String
        public var shards: [String]
        /// CRC-32 of `sums`' raw bytes followed by `counts`' (absent in older manifests).
        public var checksum: String?
    }

    public var format: String
    public var version: Int
    public var dimension: Int
    public var dtype: ScalarType
    public var model: Model?
    /// The descriptor the rows were embedded with (absent: the network's own embedding).
    public var descriptor: Descriptor?
    public var shards: [Shard]
    public var classes: [Class]
    /// Rows in all listed shards (removed classes included until `compact`).
    public var rowCount: Int
    /// Bumped by every commit; names the prototypes file.
    public var generation: Int
    /// Number used for the next shard file; never reused, so an unlisted file is always a leftover.
    public var nextShard: Int
    public var prototypes: Prototypes?
    /// The class-contiguous layout written by `compactByClass` (absent otherwise); shards added since are
    /// not covered and are read whole by a routed search (docs/routing.md).
    public var byClass: ClassLayout?
    /// The whitening the rows were projected by (`cbr index whiten`; absent otherwise): queries are projected
    /// the same way before a search, and `dimension` is then the projection's output (docs/accuracy.md).
    public var projection: Projection?

    public init(dimension: Int, dtype: ScalarType, model: Model?, descriptor: Descriptor? = nil) {
        format = Self.formatName
        version = Self.currentVersion
        self.dimension = dimension
        self.dtype = dtype
        self.model = model
        self.descriptor = descriptor
        shards = []
        classes = []
        rowCount = 0
        generation = 0
        nextShard = 0
        prototypes = nil
        byClass = nil
        projection = nil
    }

    /// The dimension of the embeddings the model makes: the projection's input, else the rows'.
    public var embeddingDimension: Int { projection?.inputDimension ?? dimension }

    /// Rows whose class is not removed.
    public var liveRowCount: Int { classes.reduce(0) { $0 + ($1.removed ? 0 : $1.rows) } }

    /// `removedMask[id]` is true when class `id` is removed.
    public var removedMask: [Bool] { classes.map(\.removed) }

    /// The live class called `name` (the last one, when a removed class's name was reused).
    public func classID(named name: String) -> Int32? {
        classes.last { $0.name == name && !$0.removed }?.id
    }

    // MARK: - Files

    public static func url(in directory: URL) -> URL { directory.appendingPathComponent(fileName) }

    public static func load(from directory: URL) throws -> Manifest {
        let url = Self.url(in: directory)
        guard FileManager.default.fileExists(atPath: url.path) else { throw IndexError.notAnIndex(directory) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw IndexError.io(url, "cannot read: \(error.localizedDescription)") }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw IndexError.corruptIndex(url, Manifest.describe(error))
        }
        guard manifest.format == formatName else { throw IndexError.badManifest(url, "format is \"\(manifest.format)\"") }
        guard manifest.version <= currentVersion else { throw IndexError.unsupportedVersion(url, manifest.version) }
        try manifest.validate(url)
        try IndexPaths.check(manifest, in: directory, manifestURL: url)
        return manifest
    }

    /// Replaces the manifest atomically (temporary file, fsync, rename, fsync of the directory).
    public func save(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Durability.replace(Self.url(in: directory), with: try encoder.encode(self))
    }
}
