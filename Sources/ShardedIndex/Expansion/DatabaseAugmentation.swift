import Foundation

extension IndexWriter {
    /// Database-side augmentation (αDBA, `cbr index dba`): every row is replaced by the weighted mean of
    /// its `neighbours` best rows (itself first, weights similarity^α), found by a blocked SGEMM self-join
    /// (each block of a shard searched against the whole index), then re-normalized. Rows of removed
    /// classes are never a neighbour. The rewrite is crash-safe like `whiten`'s (new shards first, one
    /// manifest replace, then the old shards deleted); the rows before it are not kept. Returns the rows.
    @discardableResult
    public func augment(neighbours: Int, alpha: Float, threads: Int = ExactSearch.defaultThreads) throws -> Int {
        guard let expansion = QueryExpansion(neighbours: neighbours, alpha: alpha) else {
            throw IndexError.badInput("dba: neighbours must be within \(QueryExpansion.neighbourLimit) and alpha within 0…20")
        }
        try finish()
        let current = manifest
        let reader = try ShardedIndexReader(directory: directory, manifest: current)
        let options = SearchOptions(k: neighbours, threads: max(1, threads), mask: LabelMask(removed: current.removedMask))
        let d = current.dimension
        let (shards, nextShard, sums) = try rewriteShards(of: current, dimension: d, firstNumber: current.nextShard) { rows, count in
            let results = try ExactSearch.search(queries: rows, in: reader, options: options)
            return try expansion.expand(rows, count: count, dimension: d, results: results, includingQueries: false,
                                        rows: { try reader.rows(at: $0) })
        }
        var next = current
        next.shards = shards
        next.nextShard = nextShard
        // A class layout's sub-prototypes are of the old rows.
        next.byClass = nil
        try publish(next, withPrototypes: true, sums: sums)
        return next.rowCount
    }
}
