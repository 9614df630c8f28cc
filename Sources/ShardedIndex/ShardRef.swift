import Foundation
import HDF5

/// One shard of a manifest, with what opening and checking its file needs.
struct ShardRef {
    let directory: URL
    let url: URL
    let entry: Manifest.Shard
    let dimension: Int
    let dtype: ScalarType
    let classCount: Int
    let generation: Int

    init(_ directory: URL, _ manifest: Manifest, _ index: Int) {
        self.directory = directory
        entry = manifest.shards[index]
        url = directory.appendingPathComponent(entry.file)
        dimension = manifest.dimension
        dtype = manifest.dtype
        classCount = manifest.classes.count
        generation = manifest.generation
    }

    /// Opens the file. A missing file when the index has moved on to another generation (a compaction
    /// committed since this manifest was read) is `indexChanged`, not corruption.
    func open() throws -> H5File { try IndexChange.open(url, directory, generation: generation) }

    /// Throws unless the file is large enough for the rows the manifest gives it (embeddings are stored
    /// uncompressed), so that no absurd row count reaches an allocation.
    func checkFileSize() throws {
        guard let size = Durability.fileSize(url) else {
            try IndexChange.check(directory, generation: generation)
            throw IndexError.corruptShard(url, "cannot open file: no such file")
        }
        guard entry.rows <= size / (dimension * dtype.byteWidth) else {
            throw IndexError.corruptShard(url, "\(size) bytes cannot hold the manifest's \(entry.rows) rows of d = \(dimension)")
        }
    }
}

/// Tells a reader whose shard vanished whether a writer has committed a new generation since it opened.
enum IndexChange {
    /// Opens `url`, a file a manifest of `generation` lists; when it is missing, throws `indexChanged` if
    /// the index has a new generation, else the HDF5 error.
    static func open(_ url: URL, _ directory: URL, generation: Int) throws -> H5File {
        do { return try H5File.open(at: url) } catch let error as HDF5Error where error.kind == .fileNotFound {
            try check(directory, generation: generation)
            throw error
        }
    }

    static func check(_ directory: URL, generation: Int) throws {
        if let now = try? Manifest.load(from: directory), now.generation != generation {
            throw IndexError.indexChanged(directory, from: generation, to: now.generation)
        }
    }
}
