import Embedder
import Foundation
import ShardedIndex

/// The query side of a distributed classify or eval: the images, cut into search batches of
/// `searchBatch` files, each cut into network batches of `embedder.batchSize` files; network batch `j`
/// of a search batch is embedded by rank `j % size`, and the embeddings of every file that decoded are
/// shared with every rank (`allGather`), in input order. Whole network batches move, so every image goes
/// through the network in the same batch as in one process (the forward pass's last bits depend on the
/// batch), and the embeddings are the same whatever the number of ranks. Every rank then searches its own shards with the whole batch. A single process embeds
/// everything itself and shares nothing. Memory stays one search batch of embeddings per rank.
struct SearchQueries {
    /// One search batch, the same on every rank: the input positions of the files that decoded, ascending,
    /// and their embeddings (`indices.count × dimension`, L2-normalized).
    struct Batch {
        var files: Range<Int>
        var indices: [Int]
        var embeddings: [Float]
    }

    let cluster: any Cluster
    let embedder: ImageEmbedder
    let searchBatch: Int
    let dimension: Int

    /// Embeds `files` batch by batch: `failure` gets each file this rank could not decode (its input
    /// position and error), `body` every search batch in order. Collective: every rank calls it with the
    /// same files, and runs `body` the same number of times.
    func run(_ files: [URL], failure: (Int, any Error) throws -> Void, _ body: (Batch) throws -> Void) throws {
        try checkSameInputs(files)
        for start in stride(from: 0, to: files.count, by: searchBatch) {
            let range = start..<min(start + searchBatch, files.count)
            // A rank's batches are full but for the search batch's last one, which is last in its rank's list
            // too: `embedder.run` cuts the list back into exactly these batches.
            let mine = stride(from: range.lowerBound, to: range.upperBound, by: embedder.batchSize)
                .filter { owner(of: $0, in: range) == cluster.rank }
                .flatMap { $0..<min($0 + embedder.batchSize, range.upperBound) }
            var indices: [Int] = []
            var embeddings: [Float] = []
            embeddings.reserveCapacity(mine.count * dimension)
            try embedder.run(mine.map { files[$0] }) { batch in
                for f in batch.failures { try failure(mine[f.index], f.error) }
                indices += batch.indices.map { mine[$0] }
                embeddings += batch.embeddings.prefix(batch.count * dimension)
            }
            try body(cluster.size == 1 ? Batch(files: range, indices: indices, embeddings: embeddings)
                                       : try shared(range, indices, embeddings))
        }
    }

    /// Throws unless every rank lists the same files (count and CRC-32 of the paths): each rank walks the
    /// inputs itself, and ranks with different lists would make different numbers of collective calls.
    private func checkSameInputs(_ files: [URL]) throws {
        guard cluster.size > 1 else { return }
        var crc = CRC32()
        for file in files { Array(file.path.utf8 + [0]).withUnsafeBytes { crc.update($0) } }
        let mine: [UInt64] = [UInt64(files.count), UInt64(crc.value)]
        let all = try cluster.allGather(ClusterCoding.bytes(of: mine))
        for (rank, bytes) in all.enumerated() where try ClusterCoding.values(UInt64.self, from: bytes) != mine {
            throw ClusterError.malformedMessage("rank \(rank) found other input files than rank \(cluster.rank) "
                + "(\(files.count) here); the inputs changed while the ranks listed them")
        }
    }

    /// The rank that embeds input `position` of search batch `range`.
    private func owner(of position: Int, in range: Range<Int>) -> Int {
        ((position - range.lowerBound) / embedder.batchSize) % cluster.size
    }

    /// Every rank's decoded files of batch `range`, in input order: positions (Int64) and embeddings
    /// travel separately; each rank's part is checked (counts agree, positions its own and inside the batch).
    private func shared(_ range: Range<Int>, _ indices: [Int], _ embeddings: [Float]) throws -> Batch {
        let positions = try cluster.allGather(ClusterCoding.bytes(of: indices.map(Int64.init)))
        let vectors = try cluster.allGather(ClusterCoding.bytes(of: embeddings))
        guard positions.count == cluster.size, vectors.count == cluster.size else {
            throw ClusterError.malformedMessage("embeddings from \(positions.count) of \(cluster.size) ranks")
        }
        // Input position → (rank, row in that rank's part).
        var owner = [(rank: Int, row: Int)?](repeating: nil, count: range.count)
        var parts: [[Float]] = []
        for rank in 0..<cluster.size {
            let theirs = try ClusterCoding.values(Int64.self, from: positions[rank])
            let values = try ClusterCoding.values(Float.self, from: vectors[rank])
            guard values.count == theirs.count * dimension else {
                throw ClusterError.malformedMessage("rank \(rank) sent \(values.count) values for \(theirs.count) embeddings of d = \(dimension)")
            }
            for (row, position) in theirs.enumerated() {
                guard position >= Int64(range.lowerBound), position < Int64(range.upperBound),
                      self.owner(of: Int(position), in: range) == rank, owner[Int(position) - range.lowerBound] == nil else {
                    throw ClusterError.malformedMessage("rank \(rank) sent an embedding for input \(position), not one of its own in \(range)")
                }
                owner[Int(position) - range.lowerBound] = (rank, row)
            }
            parts.append(values)
        }
        var batch = Batch(files: range, indices: [], embeddings: [])
        batch.embeddings.reserveCapacity(range.count * dimension)
        for (offset, entry) in owner.enumerated() {
            guard let (rank, row) = entry else { continue }
            batch.indices.append(range.lowerBound + offset)
            batch.embeddings += parts[rank][(row * dimension)..<((row + 1) * dimension)]
        }
        return batch
    }
}
