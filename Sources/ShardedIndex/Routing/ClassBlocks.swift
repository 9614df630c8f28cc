import Foundation

/// The class-ranges table of a reader's manifest, read and checked once, by class.
final class ClassRangeCache: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: [[ClassRange]]?

    /// `ranges[c]`: the ranges of class `c`; nil when the index is not compacted by class.
    func ranges(_ directory: URL, _ manifest: Manifest) throws -> [[ClassRange]]? {
        guard let layout = manifest.byClass else { return nil }
        lock.lock(); defer { lock.unlock() }
        if let loaded { return loaded }
        var byClass = [[ClassRange]](repeating: [], count: manifest.classes.count)
        for range in try ClassRangeStore.read(layout, directory, manifest) { byClass[Int(range.label)].append(range) }
        loaded = byClass
        return byClass
    }
}

extension ShardedIndexReader: ClassLocatingSource {
    /// Rows between two routed ranges read through rather than skipped (scale 0.1 of `bench route`,
    /// streaming: 32 rows beat 0 by about 1.5×, 128 fell back).
    static let readThrough = 32
    /// Rows a streamed block packs at most: small enough that reading the next block overlaps searching
    /// this one (packing up to the search's block size was slower, 256 to 2,048 rows alike).
    static let packRows = 1024

    /// The rows of `classes` in the class-contiguous shards (their ranges, and rows between two of them
    /// fewer than `readThrough`), then every row of the shards the layout does not cover (added since the
    /// compaction); every block when the index is not compacted by class, or when, in memory, the ranges
    /// are more than the index's blocks. Blocks come in shard order; a streamed block packs several ranges,
    /// possibly of several shards (`RowBlock.rowIDs`).
    public func forEachBlock(ofClasses classes: [Int32], maxRows: Int, _ body: (RowBlock) throws -> Void) throws {
        precondition(maxRows > 0, "maxRows must be positive")
        guard let layout = manifest.byClass, let ranges = try classRanges.ranges(directory, manifest) else {
            return try forEachBlock(maxRows: maxRows, body)
        }
        // A reader over some of the shards (a rank's part of a distributed search) reads only those.
        let selected = Set(selection.shards)
        let position = Dictionary(manifest.shards.enumerated().map { ($1.file, $0) }, uniquingKeysWith: { a, _ in a })
        let covered = layout.shards.compactMap { position[$0] }
        var pieces: [(shard: Int, start: Int, end: Int)] = []
        for c in classes where c >= 0 && Int(c) < ranges.count {
            for range in ranges[Int(c)] where selected.contains(covered[range.shard]) {
                pieces.append((covered[range.shard], range.start, range.start + range.count))
            }
        }
        let coveredSet = Set(covered)
        for (index, shard) in manifest.shards.enumerated() where !coveredSet.contains(index) && selected.contains(index) && shard.rows > 0 {
            pieces.append((index, 0, shard.rows))
        }
        pieces.sort { ($0.shard, $0.start) < ($1.shard, $1.start) }
        // Ranges with at most `readThrough` rows between them are read as one (the rows between, of classes
        // not routed, are skipped by the search): a read and a block cost more than a few rows.
        let gap = Self.readThrough
        var merged: [(shard: Int, start: Int, end: Int)] = []
        for piece in pieces {
            if let last = merged.last, last.shard == piece.shard, piece.start - last.end <= gap {
                merged[merged.count - 1].end = max(last.end, piece.end)
            } else {
                merged.append(piece)
            }
        }
        let offsets = shardOffsets
        var plans: [BlockPlan] = []
        for piece in merged {
            var start = piece.start
            while start < piece.end {
                let end = min(piece.end, start + maxRows)
                plans.append(BlockPlan(shard: piece.shard, range: start..<end, firstRow: offsets[piece.shard] + start,
                                       isLastOfShard: end == manifest.shards[piece.shard].rows))
                start = end
            }
        }
        if let memory {
            // Views cost nothing to make, but each block costs the search a dispatch: with more runs than the
            // whole index has blocks, hand over every block (the search skips rows of classes not routed).
            guard plans.count <= selection.plans(manifest, maxRows: maxRows).count else {
                return try forEachBlock(maxRows: maxRows, body)
            }
            for plan in plans {
                // Plans never cross a shard and name only loaded shards, so the view always exists.
                guard let block = memory.block(global: plan.firstRow ..< plan.firstRow + plan.range.count) else {
                    throw IndexError.badInput("rows \(plan.firstRow)… of shard \(plan.shard) are not loaded")
                }
                try body(block)
            }
            return
        }
        // Streaming: runs packed into blocks of up to `packRows` rows, each read into one buffer (a block per
        // run cost a hand-over, a dispatch and the search's per-block work for a few rows each).
        var packed: [BlockPlan] = [], pack: [BlockPlan] = [], rows = 0
        let target = min(maxRows, Self.packRows)
        for plan in plans {
            if rows + plan.range.count > target, !pack.isEmpty {
                packed.append(pack.count == 1 ? pack[0] : BlockPlan(packing: pack))
                pack = []
                rows = 0
            }
            pack.append(plan)
            rows += plan.range.count
        }
        if !pack.isEmpty { packed.append(pack.count == 1 ? pack[0] : BlockPlan(packing: pack)) }
        plans = packed
        let state = self.state
        try BlockStream.run(plans, maxRows: maxRows, dimension: dimension, dtype: dtype,
                            fill: { try state.fill($0, $1) }, body)
    }
}
