import Embedder
import Foundation
import Pipeline
import ShardedIndex

/// Gathers the queries of concurrent requests into batches: the first query waits at most `window`
/// seconds for others (or until `maxBatch` are queued), then one forward pass embeds them all and one
/// search per class filter ranks them against the generation served when the batch started. One worker
/// thread runs the batches, so the network and the search never compete with each other for the cores.
final class QueryBatcher: @unchecked Sendable {
    private struct Job {
        var tensor: [Float]
        var query: Query
        var continuation: CheckedContinuation<Answer, any Error>
    }

    private let network: DescriptorNetwork
    private let holder: IndexHolder
    private let window: Double
    private let maxBatch: Int
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var stopped = false
    private var input: [Float]
    private let finished = DispatchSemaphore(value: 0)

    /// Batches run and images embedded so far (for `GET /health`).
    private(set) var batches = 0
    private(set) var images = 0

    init(network: DescriptorNetwork, holder: IndexHolder, window: Double, maxBatch: Int) {
        self.network = network
        self.holder = holder
        self.window = max(0, window)
        self.maxBatch = max(1, min(maxBatch, network.maxBatch))
        input = [Float](repeating: 0, count: self.maxBatch * network.input.count)
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "cbr.serve.batches"
        thread.start()
    }

    /// Ends the worker once the queued batches have run.
    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
        finished.wait()
    }

    /// The answer for one preprocessed image (`network.input.count` floats: its tensor at each size).
    func classify(_ tensor: [Float], _ query: Query) async throws -> Answer {
        precondition(tensor.count == network.input.count, "a preprocessed image has the network's input size")
        return try await withCheckedThrowingContinuation { continuation in
            condition.withLock {
                if stopped {
                    continuation.resume(throwing: RequestError(503, "the server is shutting down"))
                    return
                }
                queue.append(Job(tensor: tensor, query: query, continuation: continuation))
                condition.broadcast()
            }
        }
    }

    var counts: (batches: Int, images: Int) { condition.withLock { (batches, images) } }

    private func loop() {
        while let jobs = nextBatch() { run(jobs) }
        finished.signal()
    }

    /// Waits for a first query, then up to `window` for the batch to fill; nil once stopped and drained.
    private func nextBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if stopped { return nil }
            condition.wait()
        }
        if window > 0 {
            let deadline = Date(timeIntervalSinceNow: window)
            while queue.count < maxBatch && !stopped && condition.wait(until: deadline) {}
        }
        let jobs = Array(queue.prefix(maxBatch))
        queue.removeFirst(jobs.count)
        batches += 1
        images += jobs.count
        return jobs
    }

    private func run(_ jobs: [Job]) {
        let served = holder.current
        let count = jobs.count, size = network.input.count
        for (slot, job) in jobs.enumerated() {
            input.withUnsafeMutableBufferPointer { buffer in
                job.tensor.withUnsafeBufferPointer { (buffer.baseAddress! + slot * size).update(from: $0.baseAddress!, count: size) }
            }
        }
        let embeddings = input.withUnsafeBufferPointer { network.embed($0, count: count).embeddings }
        let d = network.featureDimension
        // One search per distinct class filter (usually one): a filter is a mask inside the search.
        var groups: [ClassFilter: [Int]] = [:]
        for (slot, job) in jobs.enumerated() { groups[job.query.filter, default: []].append(slot) }
        for (filter, slots) in groups {
            do {
                let mask = try served.mask(for: filter)
                let k = slots.map { jobs[$0].query.k }.max() ?? 1
                let queries = slots.flatMap { embeddings[($0 * d)..<(($0 + 1) * d)] }
                let found = try served.classifier.search(queries, k: k, mask: mask,
                                                         rows: true, prototypes: slots.contains { jobs[$0].query.rule.usesPrototypes })
                for (position, slot) in slots.enumerated() {
                    jobs[slot].continuation.resume(returning: Answer(query: position, request: jobs[slot].query, rows: found.rows,
                                                                     prototypes: found.prototypes, served: served))
                }
            } catch {
                for slot in slots { jobs[slot].continuation.resume(throwing: error) }
            }
        }
    }
}
