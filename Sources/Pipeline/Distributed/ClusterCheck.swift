import Foundation

/// `cbr-mpi check`: proves that the ranks can talk before a night-long job relies on it. Every collective
/// and the point-to-point messages the commands use are exercised with contents each rank can verify
/// (rank numbers, lengths that differ per rank), and a broadcast of `megabytes` is timed. Rank 0 gets the
/// report: one line per rank (host, process id) and the figures.
public enum ClusterCheck {
    public struct Report: Sendable {
        public var ranks: [String]
        public var broadcastMegabytesPerSecond: Double

        public var text: String {
            (["\(ranks.count) rank\(ranks.count == 1 ? "" : "s"): barrier, broadcast, gather, all-gather, "
                + "maximum and messages verified"]
                + ranks.enumerated().map { "  rank \($0.offset): \($0.element)" }
                + [String(format: "broadcast from rank 0: %.0f MB/s", broadcastMegabytesPerSecond)])
                .joined(separator: "\n")
        }
    }

    /// Runs the check on every rank; the report on rank 0, nil on the others. Throws
    /// `ClusterError.malformedMessage` naming what arrived wrong.
    public static func run(_ cluster: any Cluster, megabytes: Int = 16) throws -> Report? {
        let rank = cluster.rank, size = cluster.size
        try cluster.barrier()
        // Each rank's payload: its number repeated rank + 1 times (lengths differ per rank).
        func payload(_ r: Int) -> [UInt8] { [UInt8](repeating: UInt8(truncatingIfNeeded: r), count: r + 1) }
        let all = try cluster.allGather(payload(rank))
        guard all == (0..<size).map(payload) else { throw ClusterError.malformedMessage("all-gather returned \(all)") }
        let gathered = try cluster.gather(payload(rank), root: 0)
        guard gathered == (rank == 0 ? (0..<size).map(payload) : []) else {
            throw ClusterError.malformedMessage("gather returned \(gathered)")
        }
        guard try cluster.maximum(rank * 3 + 1) == (size - 1) * 3 + 1 else {
            throw ClusterError.malformedMessage("maximum is not the largest rank's value")
        }
        // A ring: each rank sends its number to the next and receives its predecessor's.
        try cluster.send(ClusterCoding.bytes(of: [Int64(rank)]), to: (rank + 1) % size)
        let message = try cluster.receive()
        let previous = (rank + size - 1) % size
        guard message.source == previous, try ClusterCoding.values(Int64.self, from: message.bytes) == [Int64(previous)] else {
            throw ClusterError.malformedMessage("rank \(rank) got \(message.bytes.count) bytes from rank \(message.source), "
                + "expected rank \(previous)'s number")
        }
        let host = ProcessInfo.processInfo.hostName + ", pid \(getpid())"
        let hosts = try cluster.gather(Array(host.utf8), root: 0)
        // Throughput: `megabytes` broadcast from rank 0, checked on arrival.
        let count = max(1, megabytes) << 20
        let block = rank == 0 ? (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) } : []
        try cluster.barrier()
        let start = Date()
        let received = try cluster.broadcast(block, root: 0)
        try cluster.barrier()
        let seconds = Date().timeIntervalSince(start)
        guard received.count == count, received.indices.allSatisfy({ received[$0] == UInt8(truncatingIfNeeded: $0 &* 31) }) else {
            throw ClusterError.malformedMessage("broadcast of \(count) bytes arrived altered on rank \(rank)")
        }
        guard rank == 0 else { return nil }
        return Report(ranks: hosts.map { String(decoding: $0, as: UTF8.self) },
                      broadcastMegabytesPerSecond: Double(count) / 1e6 / max(seconds, 1e-9))
    }
}
