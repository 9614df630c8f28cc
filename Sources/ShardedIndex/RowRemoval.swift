import Foundation

/// Where a committed row lives: its shard file (as the manifest names it) and its row within that shard.
/// Valid until the shard is rewritten (compaction, whitening, removal), which renames it.
public struct RowPosition: Hashable, Sendable {
    public var shard: String
    public var row: Int

    public init(shard: String, row: Int) {
        self.shard = shard
        self.row = row
    }
}

/// A committed row as `index add` sees it: where it is and the fingerprint of the content it was embedded
/// from ("" when the shard records none).
public struct CommittedRow: Hashable, Sendable {
    public var position: RowPosition
    public var source: String
}

extension IndexWriter {
    /// Drops every row whose id `drop` selects (`index remove --pseudo`: the pseudo-labelled rows): shards
    /// holding such rows are rewritten without them, as `compact` does (crash-safe: one manifest replace
    /// switches to the new shards), class row counts and prototype sums lose exactly those rows. Returns the
    /// number of rows dropped. Classes left without rows stay in the table.
    @discardableResult
    public func removeRows(where drop: (String) -> Bool) throws -> Int {
        let old = manifest
        return try removeRows(inShards: { index in
            try ShardFile.readIDs(ShardRef(directory, old, index)).contains(where: drop)
        }, where: { id, _ in drop(id) })
    }

    /// Drops the rows at `positions` (`index add --replace`: the rows a re-embedded file replaces), the same
    /// way. Positions in shards the index no longer lists match nothing. Returns the number of rows dropped.
    @discardableResult
    public func removeRows(at positions: Set<RowPosition>) throws -> Int {
        let files = Set(positions.map(\.shard))
        let old = manifest
        return try removeRows(inShards: { files.contains(old.shards[$0].file) }, where: { _, position in positions.contains(position) })
    }

    private func removeRows(inShards affected: (Int) throws -> Bool, where drop: (String, RowPosition) -> Bool) throws -> Int {
        try finish()
        let old = manifest
        let d = old.dimension
        var lostSums = [Float](repeating: 0, count: old.classes.count * d)
        var lostCounts = [Int](repeating: 0, count: old.classes.count)
        var next = try rewrite(affected: { index, _ in try affected(index) },
                               keep: { _, id, position in !drop(id, position) }, dropped: { block, r in
            let label = Int(block.labels[r])
            lostCounts[label] += 1
            for i in 0..<d {
                switch block.rows {
                case .float32(let rows): lostSums[label * d + i] += rows[r * d + i]
                case .float16(let rows): lostSums[label * d + i] += Float(rows[r * d + i])
                }
            }
        })
        let lost = lostCounts.reduce(0, +)
        guard lost > 0 else { return 0 }
        let sums = try PrototypeStore.load(directory, old)
        for id in next.classes.indices { next.classes[id].rows -= lostCounts[id] }
        let kept = PrototypeSums(dimension: d, sums: zip(sums.sums, lostSums).map { $0 - $1 },
                                 counts: zip(sums.counts, lostCounts).map { $0 - $1 })
        try publish(next, withPrototypes: true, sums: kept)
        return lost
    }

    /// The committed rows whose id is one of `ids`, by id (an id can have several rows only when a replacing
    /// run was killed between committing the new row and dropping the old one).
    public func committedRows(withIDs ids: Set<String>) throws -> [String: [CommittedRow]] {
        var found: [String: [CommittedRow]] = [:]
        guard !ids.isEmpty else { return found }
        for (index, shard) in manifest.shards.enumerated() {
            let ref = ShardRef(directory, manifest, index)
            let shardIDs = try ShardFile.readIDs(ref)
            guard shardIDs.contains(where: ids.contains) else { continue }
            let sources = try ShardFile.readSources(ref)
            for (row, id) in shardIDs.enumerated() where ids.contains(id) {
                found[id, default: []].append(CommittedRow(position: RowPosition(shard: shard.file, row: row), source: sources[row]))
            }
        }
        return found
    }
}
