import Foundation
import HDF5

/// The prototypes file (`prototypes-G.h5`: `sums` [classes, d] float32, `counts` [classes] int64).
enum PrototypeStore {
    /// The sums of every listed shard: the prototypes file's, plus the rows of shards it does not cover yet.
    static func load(_ directory: URL, _ manifest: Manifest) throws -> PrototypeSums {
        var sums = PrototypeSums(dimension: manifest.dimension)
        var covered = Set<String>()
        if let entry = manifest.prototypes {
            let url = directory.appendingPathComponent(entry.file)
            let (values, counts) = try ShardFile.wrap(url) {
                let file = try H5File.open(at: url)
                return (try file.dataset("sums").read(as: Float.self), try file.dataset("counts").read(as: Int.self))
            }
            guard values.count == counts.count * manifest.dimension else {
                throw IndexError.corruptShard(url, "\(values.count) sums for \(counts.count) classes of dimension \(manifest.dimension)")
            }
            sums = PrototypeSums(dimension: manifest.dimension, sums: values, counts: counts)
            covered = Set(entry.shards)
        }
        sums.grow(to: manifest.classes.count)
        let missing = manifest.shards.filter { !covered.contains($0.file) }
        if !missing.isEmpty {
            var partial = manifest
            partial.shards = missing
            partial.rowCount = missing.reduce(0) { $0 + $1.rows }
            let state = StreamState(directory: directory, manifest: partial, verify: true)
            let step = max(1, (16 << 20) / (manifest.dimension * manifest.dtype.byteWidth))
            try BlockStream.run(BlockPlan.make(missing, maxRows: step), maxRows: step, dimension: manifest.dimension,
                                dtype: manifest.dtype, fill: { try state.fill($0, $1) }) { sums.add($0) }
        }
        return sums
    }

    /// Writes `sums` as `prototypes-<generation>.h5` (fsynced, renamed into place) covering `shards`.
    static func write(_ sums: PrototypeSums, generation: Int, shards: [String], in directory: URL) throws -> Manifest.Prototypes {
        let name = String(format: "prototypes-%06d.h5", generation)
        let url = directory.appendingPathComponent(name)
        let partial = url.appendingPathExtension("partial")
        try ShardFile.wrap(partial) {
            let file = try H5File.create(at: partial, overwrite: true)
            try file.createDataset("sums", values: sums.sums, shape: [sums.classCount, sums.dimension])
            try file.createDataset("counts", values: sums.counts)
            try file.close()
        }
        try Durability.publish(partial, as: url)
        return Manifest.Prototypes(file: name, shards: shards)
    }
}
