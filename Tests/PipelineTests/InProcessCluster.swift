import Foundation
import Pipeline

/// A test-only cluster of `size` ranks in one process, one thread each, talking through shared queues:
/// the real distributed protocol of Pipeline, without MPI. Collectives are matched by their order (the
/// n-th collective call of every rank meets the others' n-th). When a rank's body throws, the cluster is
/// broken: every rank waiting in it, or calling it later, gets an error, as an MPI job would end.
final class InProcessCluster: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var mailboxes: [[(source: Int, bytes: [UInt8])]]
    /// Contributions to collective number `round`, by rank, until every rank has taken the result.
    private var rounds: [Int: (contributions: [Int: [UInt8]], taken: Int)] = [:]
    private var broken: String?

    private init(size: Int) {
        self.size = size
        mailboxes = Array(repeating: [], count: size)
    }

    /// Runs `body` on each of `size` ranks, each on its own thread; returns their results in rank order,
    /// or throws the first error a rank threw (after every rank has ended).
    static func run<T>(size: Int, _ body: @escaping @Sendable (any Cluster) throws -> T) throws -> [T] {
        let hub = InProcessCluster(size: size)
        let results = Results<T>(size)
        let done = DispatchGroup()
        for rank in 0..<size {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do { results.set(rank, .success(try body(Rank(hub: hub, rank: rank)))) } catch {
                    results.set(rank, .failure(error))
                    hub.breakDown("rank \(rank) failed: \(error)")
                }
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        done.wait()
        return try results.values()
    }

    fileprivate func breakDown(_ reason: String) {
        condition.lock(); defer { condition.unlock() }
        if broken == nil { broken = reason }
        condition.broadcast()
    }

    private func check() throws {
        if let broken { throw ClusterError.communication(call: "in-process cluster", detail: broken) }
    }

    /// Collective number `round`: every rank's bytes, once all have given theirs.
    fileprivate func exchange(_ bytes: [UInt8], rank: Int, round: Int) throws -> [[UInt8]] {
        condition.lock(); defer { condition.unlock() }
        rounds[round, default: ([:], 0)].contributions[rank] = bytes
        condition.broadcast()
        while rounds[round]!.contributions.count < size {
            try check()
            condition.wait()
        }
        let all = (0..<size).map { rounds[round]!.contributions[$0]! }
        rounds[round]!.taken += 1
        if rounds[round]!.taken == size { rounds[round] = nil }
        return all
    }

    fileprivate func send(_ bytes: [UInt8], from source: Int, to destination: Int) throws {
        condition.lock(); defer { condition.unlock() }
        try check()
        guard mailboxes.indices.contains(destination) else {
            throw ClusterError.communication(call: "send", detail: "no rank \(destination)")
        }
        mailboxes[destination].append((source, bytes))
        condition.broadcast()
    }

    fileprivate func receive(_ rank: Int, wait: Bool) throws -> (source: Int, bytes: [UInt8])? {
        condition.lock(); defer { condition.unlock() }
        while mailboxes[rank].isEmpty {
            try check()
            guard wait else { return nil }
            condition.wait()
        }
        return mailboxes[rank].removeFirst()
    }

    /// One rank's view.
    final class Rank: Cluster {
        let hub: InProcessCluster
        let rank: Int
        private var round = 0
        /// Called before each `send`: lets a test make a rank fail at a chosen message.
        var beforeSend: ((Int) throws -> Void)?
        private var sent = 0

        init(hub: InProcessCluster, rank: Int) {
            self.hub = hub
            self.rank = rank
        }

        var size: Int { hub.size }

        private func exchange(_ bytes: [UInt8]) throws -> [[UInt8]] {
            round += 1
            return try hub.exchange(bytes, rank: rank, round: round)
        }

        func barrier() throws { _ = try exchange([]) }
        func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] { try exchange(bytes)[root] }
        func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] { try exchange(bytes) }
        func gather(_ bytes: [UInt8], root: Int) throws -> [[UInt8]] {
            let all = try exchange(bytes)
            return rank == root ? all : []
        }
        func maximum(_ value: Int) throws -> Int {
            try exchange(ClusterCoding.bytes(of: [value])).map { try ClusterCoding.values(Int.self, from: $0)[0] }.max()!
        }
        func send(_ bytes: [UInt8], to destination: Int) throws {
            sent += 1
            try beforeSend?(sent)
            try hub.send(bytes, from: rank, to: destination)
        }
        func receive() throws -> (source: Int, bytes: [UInt8]) { try hub.receive(rank, wait: true)! }
        func poll() throws -> (source: Int, bytes: [UInt8])? { try hub.receive(rank, wait: false) }
        func abort(_ message: String, code: Int32) -> Never {
            fatalError("in-process cluster: rank \(rank) aborted (\(code)): \(message)")
        }
    }
}

/// Per-rank results, filled from the rank threads.
private final class Results<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]

    init(_ size: Int) { slots = Array(repeating: nil, count: size) }

    func set(_ rank: Int, _ result: Result<T, any Error>) {
        lock.lock(); defer { lock.unlock() }
        slots[rank] = result
    }

    func values() throws -> [T] {
        lock.lock(); defer { lock.unlock() }
        // The first error of the lowest rank that failed (the others' errors are the breakdown's echo).
        return try slots.map { try $0!.get() }
    }
}
