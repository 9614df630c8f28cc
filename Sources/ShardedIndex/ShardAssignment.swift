/// Which shards each rank of a distributed search scans: a deterministic assignment balanced by row count.
/// Shards are taken largest first (ties: lower manifest index first), each going to the rank with the
/// fewest rows so far (ties: lower rank). Every rank computes the same assignment from the same manifest;
/// a rank may get no shard (more ranks than shards), and empty shards go wherever they fall.
public struct ShardAssignment: Sendable, Equatable {
    /// `shards[rank]`: manifest indices, ascending.
    public let shards: [[Int]]
    /// `rows[rank]`: the rows of those shards.
    public let rows: [Int]

    /// The assignment of shards with `rowCounts` (manifest order) to `ranks` ranks (at least one).
    public init(rowCounts: [Int], ranks: Int) {
        let ranks = max(1, ranks)
        var shards = [[Int]](repeating: [], count: ranks)
        var rows = [Int](repeating: 0, count: ranks)
        let order = rowCounts.indices.sorted { rowCounts[$0] != rowCounts[$1] ? rowCounts[$0] > rowCounts[$1] : $0 < $1 }
        for shard in order {
            var least = 0
            for rank in 1..<ranks where rows[rank] < rows[least] { least = rank }
            shards[least].append(shard)
            rows[least] += rowCounts[shard]
        }
        self.shards = shards.map { $0.sorted() }
        self.rows = rows
    }

    public init(_ manifest: Manifest, ranks: Int) {
        self.init(rowCounts: manifest.shards.map(\.rows), ranks: ranks)
    }

    /// The shards of rank `rank` (none for a rank outside the assignment).
    public func shards(ofRank rank: Int) -> [Int] { shards.indices.contains(rank) ? shards[rank] : [] }
}
