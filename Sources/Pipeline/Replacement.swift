import ShardedIndex

/// `index add --replace`: the committed rows a run drops. A changed file is embedded again and committed
/// as a new row first; only then are its old rows dropped (one crash-safe rewrite of the shards holding
/// them), so a killed run leaves the old row, or both, never neither. Both: the next `add --replace` finds
/// the row whose fingerprint matches the file and drops the others. A file that fails to embed again
/// keeps its old row.
struct Replacement {
    enum Decision { case unchanged, changed, reembed }

    /// Rows dropped whatever this run embeds: extra rows of a file that has a row of its current content.
    private(set) var stale = Set<RowPosition>()
    /// Per re-embedded id, its old rows: dropped once the id's new row is committed.
    private(set) var superseded: [String: [RowPosition]] = [:]

    /// What to do with the file of id `id`, now holding `content` (a fingerprint), given its committed rows.
    /// Rows that record no fingerprint (written before fingerprints were kept) cannot be compared: they
    /// count as unchanged unless `replace`, which embeds the file again to record one.
    mutating func plan(_ id: String, rows: [CommittedRow], content: String, replace: Bool) -> Decision {
        if let current = rows.firstIndex(where: { $0.source == content }) {
            if replace {
                for (i, row) in rows.enumerated() where i != current { stale.insert(row.position) }
            }
            return .unchanged
        }
        guard replace else { return rows.allSatisfy { $0.source.isEmpty } ? .unchanged : .changed }
        superseded[id] = rows.map(\.position)
        return .reembed
    }

    /// Drops the stale rows and the old rows of every id this run committed anew (a row in a shard that
    /// `before`, the manifest the run started from, did not list). Returns how many ids were replaced.
    func dropOldRows(from writer: IndexWriter, before: Manifest) throws -> Int {
        guard !stale.isEmpty || !superseded.isEmpty else { return 0 }
        let earlier = Set(before.shards.map(\.file))
        var drop = stale
        var replaced = 0
        for (id, rows) in try writer.committedRows(withIDs: Set(superseded.keys)) {
            guard rows.contains(where: { !earlier.contains($0.position.shard) }), let old = superseded[id] else { continue }
            drop.formUnion(old)
            replaced += 1
        }
        try writer.removeRows(at: drop)
        return replaced
    }
}
