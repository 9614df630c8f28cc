import Foundation

/// The query images the ranks of a distributed eval failed to decode, brought together on rank 0 so that
/// its report lists them as one process's does (in input order).
enum FailedQueries {
    private struct Entry: Codable {
        var index: Int
        var path: String
        var reason: String
    }

    /// Every rank's `failed` (input position, problem), in input order, on rank 0; nil on the others and in
    /// a single process (nothing to gather). Collective. Positions must lie in `0..<items`.
    static func gathered(_ failed: [(index: Int, problem: Dataset.Problem)], cluster: any Cluster,
                         items: Int) throws -> [Dataset.Problem]? {
        guard cluster.size > 1 else { return nil }
        let mine = failed.map { Entry(index: $0.index, path: $0.problem.path, reason: $0.problem.reason) }
        let parts = try cluster.gather(try ClusterCoding.encode(mine), root: 0)
        guard cluster.isRoot else { return nil }
        let entries = try parts.enumerated().flatMap { rank, bytes in
            let entries = try ClusterCoding.decode([Entry].self, from: bytes)
            guard entries.allSatisfy({ (0..<items).contains($0.index) }) else {
                throw ClusterError.malformedMessage("rank \(rank) reported a failed query outside the \(items) inputs")
            }
            return entries
        }
        return entries.sorted { $0.index < $1.index }.map { Dataset.Problem(path: $0.path, reason: $0.reason) }
    }
}
