import Foundation
import ShardedIndex

/// The merge step of a distributed search: every rank's top-k lists (over its own shards) travel to rank 0
/// as bytes and are merged there into the whole index's (`SearchResults.merged`).
enum SearchGather {
    /// `partial` of every rank merged, on rank 0; nil on the others. Collective: every rank calls it once
    /// per search, in the same order. A single process returns `partial` as it is (nothing to merge).
    /// What arrives is checked before use: its size, rows inside the index, labels inside the class table.
    static func merged(_ partial: SearchResults, cluster: any Cluster, rowCount: Int, classCount: Int) throws -> SearchResults? {
        guard cluster.size > 1 else { return partial }
        let parts = try cluster.gather(encode(partial), root: 0)
        guard cluster.isRoot else { return nil }
        guard parts.count == cluster.size else {
            throw ClusterError.malformedMessage("search results from \(parts.count) of \(cluster.size) ranks")
        }
        return try SearchResults.merged(parts.enumerated().map { rank, bytes in
            try decode(bytes, queryCount: partial.queryCount, k: partial.k, rowCount: rowCount, classCount: classCount, rank: rank)
        })
    }

    /// Scores, rows and labels, one after the other.
    static func encode(_ results: SearchResults) -> [UInt8] {
        ClusterCoding.bytes(of: results.scores) + ClusterCoding.bytes(of: results.rows) + ClusterCoding.bytes(of: results.labels)
    }

    static func decode(_ bytes: [UInt8], queryCount: Int, k: Int, rowCount: Int, classCount: Int, rank: Int) throws -> SearchResults {
        let n = queryCount * k
        guard bytes.count == n * (4 + 8 + 4) else {
            throw ClusterError.malformedMessage("rank \(rank) sent \(bytes.count) bytes of search results, not \(n * 16) "
                + "(\(queryCount) queries × k = \(k))")
        }
        let scores = try ClusterCoding.values(Float.self, from: Array(bytes[0..<(4 * n)]))
        let rows = try ClusterCoding.values(Int64.self, from: Array(bytes[(4 * n)..<(12 * n)]))
        let labels = try ClusterCoding.values(Int32.self, from: Array(bytes[(12 * n)...]))
        guard rows.allSatisfy({ $0 >= -1 && $0 < Int64(rowCount) }), labels.allSatisfy({ $0 >= -1 && Int($0) < classCount }) else {
            throw ClusterError.malformedMessage("rank \(rank) sent a row or label outside the index")
        }
        return try SearchResults(queryCount: queryCount, k: k, scores: scores, rows: rows, labels: labels)
    }
}
