import Foundation

extension IndexWriter {
    /// Rewrites every shard so that each class's rows are contiguous (classes in id order, a class's rows
    /// in their old order), drops the rows of removed classes, and records each class's (shard, start,
    /// count) ranges in a `classes-G.h5` file the manifest lists (`Manifest.byClass`), so that a routed
    /// search reads only its classes' rows. Rows added later go to new shards the layout does not cover
    /// (the overflow) until the next compaction.
    ///
    /// Crash safety is `compact`'s: the new shards and the ranges file are written (fsynced, renamed)
    /// first, then one manifest replace switches to them, then the old shards are deleted. Killed before
    /// the switch, the index is the old one (the new files are leftovers the next open deletes); after
    /// it, the new one. Rows are renumbered.
    ///
    /// Cost: one pass over the labels, then per new shard one pass over the old shards holding its rows,
    /// so memory stays at one shard however large the index.
    public func compactByClass() throws {
        try finish()
        let old = manifest
        let removed = old.removedMask
        let offsets = old.shards.reduce(into: [0]) { $0.append($0.last! + $1.rows) }
        // Every live row, ordered by (class, row): a counting sort of the labels.
        var labels = [Int32](repeating: 0, count: old.rowCount)
        for (index, shard) in old.shards.enumerated() where shard.rows > 0 {
            let handle = try ShardHandle(ShardRef(directory, old, index))
            try labels.withUnsafeMutableBufferPointer {
                try handle.readLabels(0..<shard.rows, into: UnsafeMutableBufferPointer(rebasing: $0[offsets[index]..<offsets[index + 1]]))
            }
        }
        var classStart = [Int](repeating: 0, count: old.classes.count + 1)
        for label in labels where !removed[Int(label)] { classStart[Int(label) + 1] += 1 }
        for c in 0..<old.classes.count { classStart[c + 1] += classStart[c] }
        let total = classStart[old.classes.count]
        var position = [Int](repeating: -1, count: old.rowCount)
        var fill = classStart
        for (row, label) in labels.enumerated() where !removed[Int(label)] {
            position[row] = fill[Int(label)]
            fill[Int(label)] += 1
        }

        var next = old
        var shards: [Manifest.Shard] = []
        var ranges: [ClassRange] = []
        var subprototypes = SubPrototypes()
        // Rows (float32) of the class the previous shard ended with, when it goes on in the next one.
        var carry: (label: Int32, rows: [Float]) = (-1, [])
        var pending = PendingShard(dimension: old.dimension, dtype: old.dtype)
        var first = 0
        while first < total {
            let end = min(total, first + rowsPerShard)
            pending.reserve(placing: end - first)
            // The old shards holding rows of positions first ..< end.
            let wanted = Set((0..<old.rowCount).lazy.filter { position[$0] >= first && position[$0] < end }
                .map { row in offsets.lastIndex { $0 <= row }! })
            for index in wanted.sorted() {
                try place(shard: index, of: old, offsets: offsets, position: position, range: first..<end, into: &pending)
            }
            pending.withBlock { block in
                Self.cluster(block, classEnds: classStart, firstPosition: first, carry: &carry, into: &subprototypes)
            }
            let name = String(format: "shards/%06d.h5", next.nextShard)
            shards.append(try pending.write(named: name, in: directory))
            next.nextShard += 1
            // The new shard's class runs.
            var start = 0
            pending.labels.withUnsafeBufferPointer { labels in
                for r in 1...labels.count where r == labels.count || labels[r] != labels[start] {
                    ranges.append(ClassRange(label: labels[start], shard: shards.count - 1, start: start, count: r - start))
                    start = r
                }
            }
            first = end
        }
        pending.removeAll()
        next.shards = shards
        next.rowCount = total
        next.byClass = try ClassRangeStore.write(ranges, subprototypes: subprototypes, dimension: old.dimension,
                                                 shards: shards.map(\.file), generation: old.generation + 1, in: directory)
        var sums = try PrototypeStore.load(directory, old)
        for (id, isRemoved) in removed.enumerated() where isRemoved {
            next.classes[id].rows = 0
            sums.clear(class: id)
        }
        try publish(next, withPrototypes: true, sums: sums)
    }

    /// Clusters every class that ends in `block` (a new shard's rows, class-contiguous, starting at
    /// position `firstPosition` of the class order); a class that goes on in the next shard is carried.
    private static func cluster(_ block: RowBlock, classEnds classStart: [Int], firstPosition: Int,
                                carry: inout (label: Int32, rows: [Float]), into subs: inout SubPrototypes) {
        let d = block.dimension
        var start = 0
        while start < block.count {
            let label = block.labels[start]
            var end = start + 1
            while end < block.count, block.labels[end] == label { end += 1 }
            var rows = carry.label == label ? carry.rows : []
            rows.reserveCapacity(rows.count + (end - start) * d)
            switch block.rows {
            case .float32(let values): rows += values[(start * d)..<(end * d)]
            case .float16(let values): rows += values[(start * d)..<(end * d)].map(Float.init)
            }
            if end == block.count, firstPosition + end < classStart[Int(label) + 1] {
                carry = (label, rows)
            } else {
                carry = (-1, [])
                rows.withUnsafeBufferPointer { subs.add(label: label, rows: $0.baseAddress!, count: $0.count / d, dimension: d) }
            }
            start = end
        }
    }

    /// Copies the rows of old shard `index` whose new position is in `range` into `pending`.
    private func place(shard index: Int, of old: Manifest, offsets: [Int], position: [Int], range: Range<Int>,
                       into pending: inout PendingShard) throws {
        let ids = try ShardFile.readIDs(ShardRef(directory, old, index))
        let sources = try ShardFile.readSources(ShardRef(directory, old, index))
        var single = old
        single.shards = [old.shards[index]]
        single.rowCount = old.shards[index].rows
        let state = StreamState(directory: directory, manifest: single, verify: true)
        let step = max(1, min(rowsPerShard, (16 << 20) / (old.dimension * old.dtype.byteWidth)))
        try BlockStream.run(BlockPlan.make(single.shards, maxRows: step), maxRows: step, dimension: old.dimension,
                            dtype: old.dtype, fill: { try state.fill($0, $1) }) { block in
            for r in 0..<block.count {
                let p = position[offsets[index] + block.firstRow + r]
                if range.contains(p) {
                    pending.place(stored: block, row: r, at: p - range.lowerBound, id: ids[block.firstRow + r],
                                  source: sources[block.firstRow + r])
                }
            }
        }
    }
}
