import Foundation

extension IndexWriter {
    /// Learns a projection from the index's live rows (`recipe`), rewrites every shard into the projected,
    /// re-normalized space and lists the projection file with the manifest (docs/accuracy.md). The original
    /// shards stay listed as `projection.raw` until `dropOriginals`, so a projection can be learned again from
    /// them; on an index already whitened, the new projection is learned from those originals.
    ///
    /// Crash safety is `compact`'s: the projected shards and the projection file are written (fsynced,
    /// renamed) first, then one manifest replace switches to them. Killed before the switch, the index is
    /// the old one (the new files are leftovers the next open deletes); after it, the new one. A class
    /// layout (`compact --by-class`) is dropped: its sub-prototypes are in the old space.
    @discardableResult
    public func whiten(_ recipe: WhiteningRecipe) throws -> Projection {
        try finish()
        let current = manifest
        let source: Manifest
        if let entry = current.projection {
            guard let raw = current.rawManifest else {
                throw IndexError.badInput("\(directory.path): its original rows were dropped (whiten --drop); rebuild the index to learn another projection")
            }
            guard entry.projected == current.shards.map(\.file) else {
                throw IndexError.badInput("\(directory.path): rows were added or compacted since the whitening; learning again from the kept originals would lose them (rebuild the index)")
            }
            source = raw
        } else {
            source = current
        }
        let projection = try recipe.learn(try RowMoments.of(source, in: directory))
        let D = projection.outputDimension
        var next = current
        next.dimension = D
        next.byClass = nil
        let (shards, nextShard, sums) = try rewriteShards(of: source, dimension: D, firstNumber: next.nextShard) { rows, n in
            projection.apply(rows, count: n)
        }
        next.nextShard = nextShard
        next.shards = shards
        let file = try ProjectionStore.write(projection, method: recipe.method.rawValue, generation: current.generation + 1, in: directory)
        next.projection = Manifest.Projection(file: file, method: recipe.method.rawValue,
                                              shrinkage: recipe.shrinkage, ridge: recipe.ridge,
                                              inputDimension: source.dimension, checksum: projection.checksum.text,
                                              raw: source.shards, projected: shards.map(\.file))
        pending = PendingShard(dimension: D, dtype: current.dtype)
        try publish(next, withPrototypes: true, sums: sums)
        return projection
    }

    /// Forgets the original (unprojected) shards a whitening kept, deleting their files: the index then
    /// takes the space of its projected rows alone, and its projection can no longer be learned again.
    public func dropOriginals() throws {
        try finish()
        guard manifest.projection?.raw != nil else { return }
        var next = manifest
        next.projection?.raw = nil
        try publish(next, withPrototypes: false)
    }
}
