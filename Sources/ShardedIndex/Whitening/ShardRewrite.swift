import Foundation
import HDF5

extension IndexWriter {
    /// Writes every shard of `source` anew, shard for shard and row for row, through `transform` (a block's
    /// rows as float32 and its row count → the new rows, `dimension` floats each), as unlisted files the
    /// caller publishes with one manifest replace. Returns their entries, the next shard number and the new
    /// rows' class sums. Memory: one shard.
    func rewriteShards(of source: Manifest, dimension D: Int, firstNumber: Int,
                       _ transform: ([Float], Int) throws -> [Float]) throws -> (shards: [Manifest.Shard], next: Int, sums: PrototypeSums) {
        var sums = PrototypeSums(dimension: D, classCount: source.classes.count)
        var shards: [Manifest.Shard] = []
        var number = firstNumber
        let d = source.dimension
        let step = max(1, min(4096, (16 << 20) / (d * source.dtype.byteWidth)))
        var widened = [Float](repeating: 0, count: step * d)
        for (index, shard) in source.shards.enumerated() {
            var pending = PendingShard(dimension: D, dtype: source.dtype, capacity: shard.rows)
            let ids = try ShardFile.readIDs(ShardRef(directory, source, index))
            let sources = try ShardFile.readSources(ShardRef(directory, source, index))
            var single = source
            single.shards = [shard]
            single.rowCount = shard.rows
            let state = StreamState(directory: directory, manifest: single, verify: true)
            try BlockStream.run(BlockPlan.make(single.shards, maxRows: step), maxRows: step, dimension: d,
                                dtype: source.dtype, fill: { try state.fill($0, $1) }) { block in
                let n = block.count
                widened.withUnsafeMutableBufferPointer { out in
                    let target = UnsafeMutableBufferPointer(rebasing: out[0..<(n * d)])
                    switch block.rows {
                    case .float32(let rows): _ = target.update(fromContentsOf: rows[0..<(n * d)])
                    case .float16(let rows): HalfPrecision.widen(UnsafeBufferPointer(rebasing: rows[0..<(n * d)]), into: target)
                    }
                }
                let rows = try transform(Array(widened[0..<(n * d)]), n)
                guard rows.count == n * D else {
                    throw IndexError.badInput("rewrite: \(rows.count) values for \(n) rows of d = \(D)")
                }
                rows.withUnsafeBufferPointer { rows in
                    _ = pending.append(rows, range: 0..<n, labels: ArraySlice(block.labels), ids: ids[block.firstRow..<(block.firstRow + n)],
                                           sources: sources[block.firstRow..<(block.firstRow + n)])
                }
            }
            pending.withBlock { sums.add($0) }
            shards.append(try pending.write(named: IndexPaths.shardName(number), in: directory))
            number += 1
        }
        return (shards, number, sums)
    }
}
