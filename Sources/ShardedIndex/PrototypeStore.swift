import Foundation
import HDF5

/// The prototypes file (`prototypes-G.h5`: `sums` [classes, d] float32, `counts` [classes] int64).
enum PrototypeStore {
    /// The sums of every listed shard: the prototypes file's, plus the rows of shards it does not cover yet.
    static func load(_ directory: URL, _ manifest: Manifest) throws -> PrototypeSums {
        var sums = PrototypeSums(dimension: manifest.dimension)
        var covered = Set<String>()
        if let entry = manifest.prototypes {
            sums = try read(entry, directory, manifest)
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
        // Every committed row is in exactly one class's count: the file and the shards it does not cover
        // must add up to the class table.
        guard sums.counts == manifest.classes.map(\.rows) else {
            let url = directory.appendingPathComponent(manifest.prototypes?.file ?? Manifest.fileName)
            throw IndexError.corruptIndex(url, "the per-class row counts disagree with the manifest's class table")
        }
        return sums
    }

    /// The prototypes file's sums and counts, checked against the manifest before and after reading.
    private static func read(_ entry: Manifest.Prototypes, _ directory: URL, _ manifest: Manifest) throws -> PrototypeSums {
        let url = directory.appendingPathComponent(entry.file)
        let d = manifest.dimension
        let (values, counts) = try ShardFile.wrap(url) {
            let file = try IndexChange.open(url, directory, generation: manifest.generation)
            let sums = try file.dataset("sums"), counts = try file.dataset("counts")
            let classes = try counts.shape
            guard classes.count == 1, classes[0] <= manifest.classes.count, try sums.shape == [classes[0], d] else {
                throw IndexError.corruptShard(url, "sums \(try sums.shape), counts \(classes) for \(manifest.classes.count) classes of d = \(d)")
            }
            return (try sums.read(as: Float.self), try counts.read(as: Int.self))
        }
        if let expected = entry.checksum, checksum(values, counts).text != expected {
            throw IndexError.corruptShard(url, "checksum \(checksum(values, counts).text), the manifest says \(expected)")
        }
        guard !counts.contains(where: { $0 < 0 }) else { throw IndexError.corruptShard(url, "a negative class count") }
        return PrototypeSums(dimension: d, sums: values, counts: counts)
    }

    /// CRC-32 of the sums' raw bytes followed by the counts' (int64, little-endian).
    static func checksum(_ sums: [Float], _ counts: [Int]) -> CRC32 {
        var crc = CRC32()
        sums.withUnsafeBufferPointer { crc.update($0) }
        counts.withUnsafeBufferPointer { crc.update($0) }
        return crc
    }

    /// Writes `sums` as `prototypes-<generation>.h5` (fsynced, renamed into place) covering `shards`.
    static func write(_ sums: PrototypeSums, generation: Int, shards: [String], in directory: URL) throws -> Manifest.Prototypes {
        let name = String(format: "prototypes-%06d.h5", generation)
        try Durability.writeIndexFile(name, in: directory) { file in
            try file.createDataset("sums", values: sums.sums, shape: [sums.classCount, sums.dimension])
            try file.createDataset("counts", values: sums.counts)
        }
        return Manifest.Prototypes(file: name, shards: shards, checksum: checksum(sums.sums, sums.counts).text)
    }
}
