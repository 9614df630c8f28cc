import Foundation
import ShardedIndex

/// What a rank of an index build tells rank 0 (JSON through `Cluster.send`).
enum BuildMessage: Codable {
    /// A shard file the rank finished writing, for rank 0 to adopt.
    case shard(Manifest.Shard)
    /// The rank's last message: what it did.
    case done(BuildTally)
}

/// One rank's share of a build, or the totals.
struct BuildTally: Codable {
    /// Shard files written (each one sent before `done`).
    var shards = 0
    /// Images embedded and appended.
    var indexed = 0
    /// Images that failed (each reported by that rank on its standard error).
    var failed = 0

    static func + (a: BuildTally, b: BuildTally) -> BuildTally {
        BuildTally(shards: a.shards + b.shards, indexed: a.indexed + b.indexed, failed: a.failed + b.failed)
    }
}

/// Rank 0's side of a build: every finished shard (its own and the ones other ranks send) is adopted into
/// the index, and only if each of its ids is work of this run not adopted yet, so that no image is ever
/// listed twice. Between its own batches rank 0 adopts what has arrived (`drain`); at the end it waits
/// until every rank has said it is done and each shard it announced is in (`collect`).
final class BuildShardCollector {
    private let writer: IndexWriter
    private let cluster: any Cluster
    private var outstanding: Set<String>
    private var adopted: [Int]
    private var tallies: [BuildTally?]

    init(writer: IndexWriter, cluster: any Cluster, work: some Sequence<String>) {
        self.writer = writer
        self.cluster = cluster
        outstanding = Set(work)
        adopted = Array(repeating: 0, count: cluster.size)
        tallies = Array(repeating: nil, count: cluster.size)
    }

    /// Adopts one of rank 0's own shards.
    func adoptOwn(_ entry: Manifest.Shard) throws { try adopt(entry, from: 0) }

    /// Adopts whatever other ranks have sent so far, without waiting.
    func drain() throws {
        while let message = try cluster.poll() { try handle(message) }
    }

    /// Waits for every other rank's shards and last word; returns the totals, rank 0's `own` included.
    func collect(own: BuildTally) throws -> BuildTally {
        tallies[0] = own
        while !isComplete { try handle(try cluster.receive()) }
        return tallies.reduce(BuildTally()) { $0 + ($1 ?? BuildTally()) }
    }

    private var isComplete: Bool {
        tallies.indices.allSatisfy { rank in tallies[rank].map { $0.shards == adopted[rank] } ?? false }
    }

    private func handle(_ message: (source: Int, bytes: [UInt8])) throws {
        let source = message.source
        guard source > 0, source < cluster.size, tallies[source] == nil else {
            throw ClusterError.malformedMessage("index build: a message from rank \(source) after its last one")
        }
        switch try ClusterCoding.decode(BuildMessage.self, from: message.bytes) {
        case .shard(let entry): try adopt(entry, from: source)
        case .done(let tally):
            guard tally.shards >= adopted[source] else {
                throw ClusterError.malformedMessage("index build: rank \(source) announced \(tally.shards) shards after sending \(adopted[source])")
            }
            tallies[source] = tally
        }
    }

    private func adopt(_ entry: Manifest.Shard, from rank: Int) throws {
        let ids = try writer.adopt(entry) { ids in
            var seen = Set<String>()
            for id in ids where !outstanding.contains(id) || !seen.insert(id).inserted {
                throw IndexError.badInput("\(entry.file) from rank \(rank): image \(id.debugDescription) is not work of this build or is in it twice")
            }
        }
        outstanding.subtract(ids)
        adopted[rank] += 1
    }
}
