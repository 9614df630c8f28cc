import Foundation
import Pipeline

/// A test-only cluster of N ranks in one process: each rank runs on its own thread, collectives meet in
/// a shared `Hub` (every rank deposits its bytes for the collective's number, then reads all of them),
/// messages go through per-rank mailboxes. It runs the real protocol logic of the distributed pipeline
/// without MPI. A rank that throws fails the hub, so the others leave their collectives with an error
/// instead of waiting forever.
final class InProcessCluster: Cluster, @unchecked Sendable {
    final class Hub: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var deposits: [Int: [[UInt8]?]] = [:]
        private var taken: [Int: Int] = [:]
        private var mailboxes: [[(source: Int, bytes: [UInt8])]]
        private var failure: String?

        init(size: Int) {
            self.size = size
            mailboxes = Array(repeating: [], count: size)
        }

        func fail(_ reason: String) {
            condition.lock()
            if failure == nil { failure = reason }
            condition.broadcast()
            condition.unlock()
        }

        /// Collective number `round`: every rank's bytes, in rank order.
        func exchange(_ bytes: [UInt8], rank: Int, round: Int) throws -> [[UInt8]] {
            condition.lock()
            defer { condition.unlock() }
            deposits[round, default: Array(repeating: nil, count: size)][rank] = bytes
            condition.broadcast()
            while failure == nil, deposits[round]!.contains(where: { $0 == nil }) { condition.wait() }
            if let failure { throw ClusterError.communication(call: "exchange", detail: failure) }
            let all = deposits[round]!.map { $0! }
            taken[round, default: 0] += 1
            if taken[round] == size { deposits[round] = nil; taken[round] = nil }
            return all
        }

        func send(_ bytes: [UInt8], from source: Int, to destination: Int) {
            condition.lock()
            mailboxes[destination].append((source, bytes))
            condition.broadcast()
            condition.unlock()
        }

        func receive(_ rank: Int, wait: Bool) throws -> (source: Int, bytes: [UInt8])? {
            condition.lock()
            defer { condition.unlock() }
            while wait, failure == nil, mailboxes[rank].isEmpty { condition.wait() }
            if let failure { throw ClusterError.communication(call: "receive", detail: failure) }
            return mailboxes[rank].isEmpty ? nil : mailboxes[rank].removeFirst()
        }
    }

    let hub: Hub
    let rank: Int
    private var round = 0

    init(hub: Hub, rank: Int) {
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
    func send(_ bytes: [UInt8], to destination: Int) throws { hub.send(bytes, from: rank, to: destination) }
    func receive() throws -> (source: Int, bytes: [UInt8]) { try hub.receive(rank, wait: true)! }
    func poll() throws -> (source: Int, bytes: [UInt8])? { try hub.receive(rank, wait: false) }
    func abort(_ message: String, code: Int32) -> Never { fatalError("rank \(rank) aborted (\(code)): \(message)") }

    /// Runs `body` on `size` ranks, each on its own thread (8 MiB stacks, as a main thread has), and
    /// returns their results in rank order; the first error of any rank is rethrown.
    static func run<T>(size: Int, _ body: @escaping @Sendable (InProcessCluster) throws -> T) throws -> [T] {
        let hub = Hub(size: size)
        let results = Results<T>(size: size)
        let done = DispatchGroup()
        for rank in 0..<size {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do { results.set(rank, .success(try body(InProcessCluster(hub: hub, rank: rank)))) } catch {
                    results.set(rank, .failure(error))
                    hub.fail("rank \(rank): \(error)")
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return try results.values()
    }

    private final class Results<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Result<T, any Error>?]
        init(size: Int) { slots = Array(repeating: nil, count: size) }
        func set(_ rank: Int, _ value: Result<T, any Error>) { lock.withLock { slots[rank] = value } }
        func values() throws -> [T] {
            // A rank's own error first (the others only saw the hub fail).
            let all = lock.withLock { slots.map { $0! } }
            for case .failure(let error) in all where !(error is ClusterError) { throw error }
            return try all.map { try $0.get() }
        }
    }
}
