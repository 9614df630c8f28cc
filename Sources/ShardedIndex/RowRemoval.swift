import Foundation

extension IndexWriter {
    /// Drops every row whose id `drop` selects (`index remove --pseudo`: the pseudo-labelled rows): shards
    /// holding such rows are rewritten without them, as `compact` does (crash-safe: one manifest replace
    /// switches to the new shards), class row counts and prototype sums lose exactly those rows. Returns the
    /// number of rows dropped. Classes left without rows stay in the table.
    @discardableResult
    public func removeRows(where drop: (String) -> Bool) throws -> Int {
        try finish()
        let old = manifest
        let d = old.dimension
        var lostSums = [Float](repeating: 0, count: old.classes.count * d)
        var lostCounts = [Int](repeating: 0, count: old.classes.count)
        var next = try rewrite(affected: { index, _ in
            try ShardFile.readIDs(ShardRef(directory, old, index)).contains(where: drop)
        }, keep: { _, id in !drop(id) }, dropped: { block, r in
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
}
