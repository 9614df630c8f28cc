import Foundation

extension IndexPaths {
    /// The writer's name for shard `number`: `shards/NNNNNN.h5` (six digits or more).
    static func shardName(_ number: Int) -> String { String(format: "\(shardsFolder)/%06d.h5", number) }
}

extension IndexWriter {
    /// Lists a shard another process wrote for this index (a `DetachedShardWriter`), after checking it as
    /// untrusted input: `entry.file` must be a writer shard name numbered at or above `firstNewShard` and
    /// not listed yet; the file is read back whole (shapes and attributes against the entry, embeddings,
    /// labels and ids checksums verified, every label within the class table), and `checkIDs` sees its ids.
    /// Then its rows join the prototype sums and class counts, `nextShard` moves past it and the manifest
    /// is published (prototypes rewritten by the same rule as `commit`). A shard refused changes nothing.
    /// A writer that adopts shards does not `append` rows of its own in the same run (their numbers would meet).
    @discardableResult
    public func adopt(_ entry: Manifest.Shard, checkIDs: ([String]) throws -> Void = { _ in }) throws -> [String] {
        let manifestURL = Manifest.url(in: directory)
        guard pendingRows == 0 else {
            throw IndexError.badInput("adopt: this writer holds \(pendingRows) rows of its own (a writer either appends or adopts)")
        }
        guard let number = IndexPaths.shardNumber(entry.file), entry.file == IndexPaths.shardName(number) else {
            throw IndexError.badInput("adopt: \(entry.file.debugDescription) is not a shard name (shards/NNNNNN.h5)")
        }
        guard number >= firstNewShard, number < Int.max else {
            throw IndexError.badInput("adopt: \(entry.file) is numbered below this run's first new shard \(firstNewShard)")
        }
        guard !manifest.shards.contains(where: { $0.file == entry.file }) else {
            throw IndexError.badInput("adopt: \(entry.file) is already in the index")
        }
        guard entry.rows >= 0 else { throw IndexError.badInput("adopt: \(entry.file) has \(entry.rows) rows") }
        guard let idsChecksum = entry.idsChecksum,
              [entry.checksum, entry.labelsChecksum, idsChecksum].allSatisfy(CRC32.isText),
              entry.sourcesChecksum.map(CRC32.isText) ?? true else {
            throw IndexError.badInput("adopt: \(entry.file) lacks a checksum (crc32:xxxxxxxx for embeddings, labels and ids)")
        }
        // The shard alone, against the current class table: what its file is read and checked against.
        var probe = manifest
        probe.shards = [entry]
        probe.rowCount = entry.rows
        probe.prototypes = nil
        try IndexPaths.check(probe, in: directory, manifestURL: manifestURL)

        let ids = try ShardFile.readIDs(ShardRef(directory, probe, 0))
        try checkIDs(ids)
        _ = try ShardFile.readSources(ShardRef(directory, probe, 0))
        var newSums = sums
        newSums.grow(to: manifest.classes.count)
        var classRows = [Int](repeating: 0, count: manifest.classes.count)
        let state = StreamState(directory: directory, manifest: probe, verify: true)
        if entry.rows == 0 {
            try state.check(0, rows: CRC32(), labels: CRC32())
        } else {
            let step = max(1, (16 << 20) / (manifest.dimension * manifest.dtype.byteWidth))
            try BlockStream.run(BlockPlan.make(probe.shards, maxRows: step), maxRows: step, dimension: manifest.dimension,
                                dtype: manifest.dtype, fill: { try state.fill($0, $1) }) { block in
                newSums.add(block)
                for label in block.labels { classRows[Int(label)] += 1 }
            }
        }
        var next = manifest
        next.shards.append(entry)
        next.rowCount += entry.rows
        next.nextShard = max(next.nextShard, number + 1)
        for (id, rows) in classRows.enumerated() { next.classes[id].rows += rows }
        try next.validate(manifestURL)
        try publish(next, withPrototypes: Self.prototypesDue(next, after: entry), sums: newSums)
        return ids
    }
}
