import Foundation

/// Writes complete shard files for an index another process's `IndexWriter` owns: one rank of a
/// distributed build. Rows are collected like the writer's own (normalized, in the stored dtype) and each
/// full shard is written as crash-safely as a commit (`.partial`, fsync, rename) under the numbers
/// `first`, `first + stride`, `first + 2 × stride`, … — with `first = base + rank` and `stride = size`,
/// no two ranks ever use the same name. Nothing here touches the manifest: a shard counts only once the
/// owner has adopted it (`IndexWriter.adopt`), so a file it never adopts is a leftover the next `open` cleans.
public final class DetachedShardWriter {
    public let directory: URL
    public let dimension: Int
    public let dtype: ScalarType
    /// Labels must be below this (the owner's class table, classes registered before the rows were cut up).
    public let classCount: Int
    public let rowsPerShard: Int
    /// Rows appended so far whose norm was not 1 (they were normalized).
    public internal(set) var renormalizedRows = 0
    /// Shard files written so far.
    public private(set) var shardsWritten = 0

    private let first: Int
    private let stride: Int
    var pending: PendingShard
    /// Shards the current `append` completed.
    private var completed: [Manifest.Shard] = []

    /// Rows of `dimension` go to shards of `rowsPerShard` rows named from `first` by steps of `stride`.
    public init(directory: URL, dimension: Int, dtype: ScalarType, classCount: Int, rowsPerShard: Int,
                first: Int, stride: Int) throws {
        guard dimension > 0, dimension <= Manifest.maxDimension else {
            throw IndexError.badInput("dimension \(dimension) is outside 1...\(Manifest.maxDimension)")
        }
        guard classCount >= 0, rowsPerShard > 0, first >= 0, stride > 0 else {
            throw IndexError.badInput("shard writer: \(classCount) classes, \(rowsPerShard) rows per shard, first \(first), stride \(stride)")
        }
        guard Durability.kind(IndexWriter.shardsDirectory(directory)) == .directory else {
            throw IndexError.io(IndexWriter.shardsDirectory(directory), "no shards directory (the index is not open for writing)")
        }
        try IndexPaths.checkLayout(directory)
        self.directory = directory
        self.dimension = dimension
        self.dtype = dtype
        self.classCount = classCount
        self.rowsPerShard = rowsPerShard
        self.first = first
        self.stride = stride
        pending = PendingShard(dimension: dimension, dtype: dtype, capacity: rowsPerShard)
    }

    /// Rows appended but not yet written.
    public var pendingRows: Int { pending.count }

    /// Appends `ids.count` rows (`rows` holds `ids.count × dimension` floats) of classes `classIDs`, with
    /// their content fingerprints when given; returns the manifest entries of the shards this call completed
    /// (written, fsynced and renamed into place).
    public func append(rows: UnsafeBufferPointer<Float>, classIDs: [Int32], ids: [String],
                       sources: [String]? = nil) throws -> [Manifest.Shard] {
        defer { completed.removeAll() }
        try fill(rows: rows, classIDs: classIDs, ids: ids, sources: sources)
        return completed
    }

    /// Writes the rows collected so far as a last, shorter shard; nil when there are none.
    public func finish() throws -> Manifest.Shard? {
        pending.isEmpty ? nil : try writeShard()
    }

    private func writeShard() throws -> Manifest.Shard {
        let (offset, overflow) = stride.multipliedReportingOverflow(by: shardsWritten)
        let (number, overflow2) = first.addingReportingOverflow(offset)
        guard !overflow, !overflow2 else { throw IndexError.badInput("shard numbers beyond \(Int.max)") }
        let entry = try pending.write(named: IndexPaths.shardName(number), in: directory)
        pending.removeAll()
        shardsWritten += 1
        return entry
    }
}

extension DetachedShardWriter: ShardFilling {
    func shardFilled() throws { completed.append(try writeShard()) }
}
