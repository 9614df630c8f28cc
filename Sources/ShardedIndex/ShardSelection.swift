/// Which of a manifest's shards a reader covers: all of them, or a subset (a rank's part of a distributed
/// search). Shards keep their manifest numbers and their global row numbers, so results from readers over
/// disjoint subsets merge into the whole index's.
struct ShardSelection: Sendable, Equatable {
    /// Manifest indices, ascending, without repeats.
    let shards: [Int]

    /// Every shard of `manifest`.
    init(all manifest: Manifest) { shards = Array(manifest.shards.indices) }

    /// `shards` of `manifest`, checked: each a manifest index, none twice (any order; kept ascending).
    init(_ shards: [Int], of manifest: Manifest) throws {
        let sorted = shards.sorted()
        for (i, shard) in sorted.enumerated() {
            guard shard >= 0 && shard < manifest.shards.count else {
                throw IndexError.badInput("shard \(shard) is not in the index (\(manifest.shards.count) shards)")
            }
            guard i == 0 || sorted[i - 1] != shard else { throw IndexError.badInput("shard \(shard) selected twice") }
        }
        self.shards = sorted
    }

    /// Rows in the selected shards.
    func rowCount(_ manifest: Manifest) -> Int { shards.reduce(0) { $0 + manifest.shards[$1].rows } }

    /// The streaming plan of the selected shards: the blocks `BlockPlan.make` gives the whole index,
    /// restricted to these shards (same ranges, same global first rows).
    func plans(_ manifest: Manifest, maxRows: Int) -> [BlockPlan] {
        let selected = Set(shards)
        return BlockPlan.make(manifest.shards, maxRows: maxRows).filter { selected.contains($0.shard) }
    }
}
