import Foundation
import ShardedIndex

extension ShardedIndexReader {
    /// This rank's part of the index at `directory`: the shards `ShardAssignment` gives it (all of them in
    /// a single process). `inMemory` nil picks the mode from the part's size: in memory up to
    /// `inMemoryLimit` bytes of embeddings, streamed beyond — so no rank loads more than its own part.
    static func part(of directory: URL, cluster: any Cluster, inMemory: Bool?, inMemoryLimit: Int,
                     verifyChecksums: Bool = true) throws -> ShardedIndexReader {
        let manifest = try Manifest.load(from: directory)
        let shards = ShardAssignment(manifest, ranks: cluster.size).shards(ofRank: cluster.rank)
        let rows = shards.reduce(0) { $0 + manifest.shards[$1].rows }
        let small = rows <= inMemoryLimit / (manifest.dimension * manifest.dtype.byteWidth)
        return try ShardedIndexReader(directory: directory, manifest: manifest,
                                      mode: (inMemory ?? small) ? .inMemory : .streaming,
                                      verifyChecksums: verifyChecksums, shards: shards)
    }
}
