import Foundation

extension IndexWriter {
    /// Rewrites the shards that hold rows of removed classes without those rows (other shards stay as they
    /// are), then switches to the new shard list with one manifest replace and deletes the old files.
    /// Killed before the switch, the index is the old one; after it, the new one. Rows are renumbered.
    public func compact() throws {
        try finish()
        let removed = manifest.removedMask
        guard removed.contains(true) else { return }
        let old = manifest
        var next = try rewrite(affected: { _, labels in labels.contains { removed[Int($0)] } },
                               keep: { label, _, _ in !removed[Int(label)] }, dropped: { _, _ in })
        var sums = try PrototypeStore.load(directory, old)
        for (id, isRemoved) in removed.enumerated() where isRemoved {
            next.classes[id].rows = 0
            sums.clear(class: id)
        }
        try publish(next, withPrototypes: true, sums: sums)
    }

    /// The manifest with every shard for which `affected(index, labels)` holds rewritten without the rows
    /// `keep(label, id, position)` refuses (`dropped` sees each of those), other shards listed as they are:
    /// the new shard list, row count, next shard number and class layout. Nothing is published.
    func rewrite(affected: (Int, [Int32]) throws -> Bool, keep: (Int32, String, RowPosition) -> Bool,
                 dropped: (RowBlock, Int) -> Void) throws -> Manifest {
        let old = manifest
        var next = old
        var shards: [Manifest.Shard] = []
        var pending = PendingShard(dimension: old.dimension, dtype: old.dtype)
        func flush() throws {
            guard !pending.isEmpty else { return }
            shards.append(try pending.write(named: String(format: "shards/%06d.h5", next.nextShard), in: directory))
            next.nextShard += 1
            pending.removeAll()
        }
        for (index, shard) in old.shards.enumerated() {
            let handle = try ShardHandle(ShardRef(directory, old, index))
            var labels = [Int32](repeating: 0, count: shard.rows)
            try labels.withUnsafeMutableBufferPointer { try handle.readLabels(0..<shard.rows, into: $0) }
            guard try affected(index, labels) else {
                try flush()
                shards.append(shard)
                continue
            }
            let ids = try ShardFile.readIDs(ShardRef(directory, old, index))
            let sources = try ShardFile.readSources(ShardRef(directory, old, index))
            var single = old
            single.shards = [shard]
            single.rowCount = shard.rows
            let state = StreamState(directory: directory, manifest: single, verify: true)
            let step = max(1, min(rowsPerShard, (16 << 20) / (old.dimension * old.dtype.byteWidth)))
            try BlockStream.run(BlockPlan.make(single.shards, maxRows: step), maxRows: step, dimension: old.dimension,
                                dtype: old.dtype, fill: { try state.fill($0, $1) }) { block in
                for r in 0..<block.count {
                    let row = block.firstRow + r
                    guard keep(block.labels[r], ids[row], RowPosition(shard: shard.file, row: row)) else {
                        dropped(block, r)
                        continue
                    }
                    pending.append(stored: block, row: r, id: ids[row], source: sources[row])
                    if pending.count >= rowsPerShard { try flush() }
                }
            }
        }
        try flush()
        next.shards = shards
        next.rowCount = shards.reduce(0) { $0 + $1.rows }
        // A class layout whose shards were rewritten (renumbered rows) no longer holds.
        if let layout = next.byClass, !Set(layout.shards).isSubset(of: shards.map(\.file)) { next.byClass = nil }
        return next
    }
}
