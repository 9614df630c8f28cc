import Foundation

extension Manifest {
    /// The whitening an index's rows were projected by (`cbr index whiten`), listed by the manifest.
    public struct Projection: Codable, Sendable, Equatable {
        /// `projection-<generation>.h5` at the index root: `mean` [d] and `matrix` [D, d] float32.
        public var file: String
        /// `pca` or `learned`.
        public var method: String
        /// pca: the power of the eigenvalues (axis j scaled by (λ_j + ridge · mean λ)^-shrinkage).
        public var shrinkage: Double
        /// The regulariser (a fraction of the mean eigenvalue; learned: added to the intra-class covariance).
        public var ridge: Double
        /// The model's dimension d (the manifest's `dimension` is the projection's output D).
        public var inputDimension: Int
        /// CRC-32 of `mean`'s raw bytes followed by `matrix`'s.
        public var checksum: String
        /// The unprojected shards as they were when the projection was learned, kept (listed, so never
        /// cleaned) until `whiten --drop`, so that a projection can be learned again from the original rows.
        public var raw: [Manifest.Shard]?
        /// The shards the whitening wrote: re-learning from `raw` needs these to still be the index's shards.
        public var projected: [String]

        public init(file: String, method: String, shrinkage: Double, ridge: Double, inputDimension: Int, checksum: String,
                    raw: [Manifest.Shard]?, projected: [String]) {
            self.file = file
            self.method = method
            self.shrinkage = shrinkage
            self.ridge = ridge
            self.inputDimension = inputDimension
            self.checksum = checksum
            self.raw = raw
            self.projected = projected
        }

        func validate(_ manifest: Manifest, shardFiles: Set<String>, _ fail: (String) -> IndexError) throws {
            guard let number = IndexPaths.projectionNumber(file) else {
                throw fail("projection file \"\(file)\" is not a projection name (projection-NNNNNN.h5)")
            }
            guard number <= manifest.generation else { throw fail("\(file) is numbered after generation \(manifest.generation)") }
            guard ["pca", "learned"].contains(method) else { throw fail("\(file): unknown method \"\(method)\"") }
            guard shrinkage.isFinite, shrinkage >= 0, shrinkage <= 2, ridge.isFinite, ridge >= 0, ridge <= 1000 else {
                throw fail("\(file): shrinkage \(shrinkage), ridge \(ridge)")
            }
            guard inputDimension > 0, inputDimension <= Manifest.maxDimension, manifest.dimension <= inputDimension else {
                throw fail("\(file): input dimension \(inputDimension) for rows of d = \(manifest.dimension)")
            }
            guard CRC32.isText(checksum) else { throw fail("\(file): checksum \"\(checksum)\" is not crc32:xxxxxxxx") }
            var rawFiles = Set<String>()
            let maxRows = Int.max / (inputDimension * 8)
            var total = 0
            for shard in raw ?? [] {
                guard let n = IndexPaths.shardNumber(shard.file), n < manifest.nextShard else {
                    throw fail("raw shard \"\(shard.file)\" is not a shard name numbered below nextShard")
                }
                guard !shardFiles.contains(shard.file), rawFiles.insert(shard.file).inserted else {
                    throw fail("raw shard \(shard.file) is listed twice")
                }
                guard shard.rows >= 0, shard.rows <= maxRows - total else { throw fail("raw shard \(shard.file) has \(shard.rows) rows") }
                total += shard.rows
                for value in [shard.checksum, shard.labelsChecksum] + [shard.idsChecksum, shard.sourcesChecksum].compactMap({ $0 }) where !CRC32.isText(value) {
                    throw fail("raw shard \(shard.file): checksum \"\(value)\" is not crc32:xxxxxxxx")
                }
            }
            guard Set(projected).count == projected.count else { throw fail("\(file) lists a projected shard twice") }
        }
    }

    /// The unprojected rows' view of the index (the kept raw shards at the input dimension), or nil when
    /// there is no projection or its raw shards were dropped.
    var rawManifest: Manifest? {
        guard let projection, let raw = projection.raw else { return nil }
        var m = self
        m.projection = nil
        m.dimension = projection.inputDimension
        m.shards = raw
        m.rowCount = raw.reduce(0) { $0 + $1.rows }
        m.prototypes = nil
        m.byClass = nil
        return m
    }
}
