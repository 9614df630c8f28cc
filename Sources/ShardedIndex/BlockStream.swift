import Dispatch
import Foundation

/// One step of a streaming pass: rows `range` of shard number `shard` (in manifest order), or, packed,
/// several such runs read one after another into one block (`range` is then `0 ..< total rows`).
struct BlockPlan: Sendable {
    let shard: Int
    let range: Range<Int>
    let firstRow: Int
    let isLastOfShard: Bool
    /// The runs of a packed block (each a plain plan), or empty.
    var pieces: [BlockPlan] = []

    init(shard: Int, range: Range<Int>, firstRow: Int, isLastOfShard: Bool) {
        self.shard = shard
        self.range = range
        self.firstRow = firstRow
        self.isLastOfShard = isLastOfShard
    }

    /// One block of `pieces` (plain plans, at least one), read in order.
    init(packing pieces: [BlockPlan]) {
        shard = pieces.first?.shard ?? 0
        range = 0..<pieces.reduce(0) { $0 + $1.range.count }
        firstRow = pieces.first?.firstRow ?? 0
        isLastOfShard = false
        self.pieces = pieces
    }

    /// Blocks of at most `maxRows` rows that never cross a shard boundary; empty shards give none.
    static func make(_ shards: [Manifest.Shard], maxRows: Int) -> [BlockPlan] {
        var plans: [BlockPlan] = []
        var firstRow = 0
        for (index, shard) in shards.enumerated() {
            var start = 0
            while start < shard.rows {
                let end = min(shard.rows, start + maxRows)
                plans.append(BlockPlan(shard: index, range: start..<end, firstRow: firstRow + start,
                                       isLastOfShard: end == shard.rows))
                start = end
            }
            firstRow += shard.rows
        }
        return plans
    }
}

/// A reusable block buffer the background reader fills: room for `capacity` rows and their labels.
final class BlockBuffer: @unchecked Sendable {
    let capacity: Int
    let dimension: Int
    let dtype: ScalarType
    let rows: UnsafeMutableRawBufferPointer
    let labels: UnsafeMutableBufferPointer<Int32>
    /// Global row numbers of a packed block's rows.
    let rowIDs: UnsafeMutableBufferPointer<Int>
    var plan: BlockPlan?
    var failure: Error?

    init(capacity: Int, dimension: Int, dtype: ScalarType) {
        self.capacity = capacity
        self.dimension = dimension
        self.dtype = dtype
        rows = .allocate(byteCount: capacity * dimension * dtype.byteWidth, alignment: 64)
        labels = .allocate(capacity: capacity)
        rowIDs = .allocate(capacity: capacity)
    }

    deinit {
        rows.deallocate()
        labels.deallocate()
        rowIDs.deallocate()
    }

    /// The buffer's content as a block (valid until the buffer is refilled).
    func block() -> RowBlock {
        let plan = plan!
        let n = plan.range.count
        let rowsView: RowBlock.Rows
        switch dtype {
        case .float32: rowsView = .float32(UnsafeBufferPointer(start: rows.baseAddress!.assumingMemoryBound(to: Float.self), count: n * dimension))
        case .float16: rowsView = .float16(UnsafeBufferPointer(start: rows.baseAddress!.assumingMemoryBound(to: Float16.self), count: n * dimension))
        }
        return RowBlock(firstRow: plan.firstRow, count: n, dimension: dimension, rows: rowsView,
                        labels: UnsafeBufferPointer(rebasing: labels[0..<n]),
                        rowIDs: plan.pieces.isEmpty ? nil : UnsafeBufferPointer(rebasing: rowIDs[0..<n]))
    }
}

/// Reads planned blocks on a background thread, one block ahead of the consumer, into two reusable
/// buffers: while the caller searches block i, block i + 1 is being read. HDF5 calls stay serialized by
/// the HDF5 module's lock; the consumer's work (SGEMM) runs concurrently with the read.
enum BlockStream {
    static func run(_ plans: [BlockPlan], maxRows: Int, dimension: Int, dtype: ScalarType,
                    fill: @escaping @Sendable (BlockPlan, BlockBuffer) throws -> Void,
                    _ body: (RowBlock) throws -> Void) throws {
        guard !plans.isEmpty else { return }
        let capacity = min(maxRows, plans.map(\.range.count).max() ?? 1)
        let buffers = [BlockBuffer(capacity: capacity, dimension: dimension, dtype: dtype),
                       BlockBuffer(capacity: capacity, dimension: dimension, dtype: dtype)]
        let ready = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
        let queue = DispatchQueue(label: "cbr.shard-reader", qos: .userInitiated)
        let inFlight = DispatchGroup()
        // Buffers must outlive any read still running when the consumer stops early (throws).
        defer { inFlight.wait() }

        func schedule(_ i: Int) {
            let buffer = buffers[i % 2], signal = ready[i % 2], plan = plans[i]
            inFlight.enter()
            queue.async {
                buffer.plan = plan
                buffer.failure = nil
                do { try fill(plan, buffer) } catch { buffer.failure = error }
                signal.signal()
                inFlight.leave()
            }
        }

        schedule(0)
        for i in plans.indices {
            ready[i % 2].wait()
            if let failure = buffers[i % 2].failure { throw failure }
            if i + 1 < plans.count { schedule(i + 1) }
            try body(buffers[i % 2].block())
        }
    }
}
