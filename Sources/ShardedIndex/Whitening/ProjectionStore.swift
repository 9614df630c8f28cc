import Foundation
import HDF5

/// The projection file (`projection-G.h5`: `mean` [d] and `matrix` [D, d] float32, attribute `method`).
enum ProjectionStore {
    /// Writes `projection` as `projection-<generation>.h5` (via a `.partial` file, fsynced and renamed).
    static func write(_ projection: Projection, method: String, generation: Int, in directory: URL) throws -> String {
        let name = String(format: "projection-%06d.h5", generation)
        try Durability.writeIndexFile(name, in: directory) { file in
            try file.createDataset("mean", type: .float32, shape: [projection.inputDimension]).write(projection.mean)
            try file.createDataset("matrix", type: .float32, shape: [projection.outputDimension, projection.inputDimension])
                .write(projection.matrix)
            try file.setAttribute("method", fixed: method)
        }
        return name
    }

    /// The projection the manifest lists, checked against its dimensions and checksum; nil when none.
    static func load(_ directory: URL, _ manifest: Manifest) throws -> Projection? {
        guard let entry = manifest.projection else { return nil }
        let url = directory.appendingPathComponent(entry.file)
        let d = entry.inputDimension, D = manifest.dimension
        let (mean, matrix) = try ShardFile.wrap(url) {
            let file = try IndexChange.open(url, directory, generation: manifest.generation)
            let mean = try file.dataset("mean"), matrix = try file.dataset("matrix")
            guard try mean.shape == [d], try matrix.shape == [D, d] else {
                throw IndexError.corruptShard(url, "mean \(try mean.shape), matrix \(try matrix.shape); the manifest says \(D) × \(d)")
            }
            return (try mean.read(as: Float.self), try matrix.read(as: Float.self))
        }
        let projection: Projection
        do { projection = try Projection(mean: mean, matrix: matrix, outputDimension: D) } catch {
            throw IndexError.corruptShard(url, "\(error)")
        }
        guard projection.checksum.text == entry.checksum else {
            throw IndexError.corruptShard(url, "checksum \(projection.checksum.text), the manifest says \(entry.checksum)")
        }
        return projection
    }
}

extension Projection {
    /// The projection `manifest` (of the index at `directory`) lists, or nil: queries of the model's
    /// dimension go through it before a search, and rows added to the index before they are written.
    public static func of(_ manifest: Manifest, in directory: URL) throws -> Projection? {
        try ProjectionStore.load(directory, manifest)
    }
}
