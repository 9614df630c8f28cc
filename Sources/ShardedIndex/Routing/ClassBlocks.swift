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
    /// The rows of `classes` in the class-contiguous shards (their ranges only), then every row of the
    /// shards the layout does not cover (added since the compaction); every block when the index is not
    /// compacted by class. Blocks never cross a shard and come in shard order.
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
        // Adjacent ranges (consecutive routed classes) are read as one.
        var merged: [(shard: Int, start: Int, end: Int)] = []
        for piece in pieces {
            if let last = merged.last, last.shard == piece.shard, last.end == piece.start {
                merged[merged.count - 1].end = piece.end
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
            for plan in plans {
                // Plans never cross a shard and name only loaded shards, so the view always exists.
                guard let block = memory.block(global: plan.firstRow ..< plan.firstRow + plan.range.count) else {
                    throw IndexError.badInput("rows \(plan.firstRow)… of shard \(plan.shard) are not loaded")
                }
                try body(block)
            }
            return
        }
        let state = self.state
        try BlockStream.run(plans, maxRows: maxRows, dimension: dimension, dtype: dtype,
                            fill: { try state.fill($0, $1) }, body)
    }
}
