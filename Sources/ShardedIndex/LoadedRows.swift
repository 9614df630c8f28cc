import Foundation

/// The rows of the selected shards in one contiguous allocation (in-memory mode), loaded and verified at
/// open. Each shard keeps its global row numbers, and blocks never cross a shard boundary (as a streaming
/// pass's `BlockPlan`s do), so a shard is scanned with the same tiles whether it is searched in memory or
/// streamed, alone or with the others: SGEMM's last bits depend on the tile shape.
final class LoadedRows: @unchecked Sendable {
    /// Shard `shard`'s rows: `count` rows from `offset` in this allocation, global row `firstRow` on.
    private struct Segment {
        let offset: Int
        let firstRow: Int
        let count: Int
    }

    let dimension: Int
    let dtype: ScalarType
    let count: Int
    private let segments: [Segment]
    let rows: UnsafeMutableRawBufferPointer
    let labels: UnsafeMutableBufferPointer<Int32>

    /// Loads shards `shards` (manifest indices, ascending, checked by the caller).
    init(_ state: StreamState, shards: [Int]) throws {
        let manifest = state.manifest
        dimension = manifest.dimension
        dtype = manifest.dtype
        let firstRows = manifest.shards.reduce(into: [0]) { $0.append($0.last! + $1.rows) }
        var loads: [(shard: Int, segment: Segment)] = []
        var total = 0
        for index in shards where manifest.shards[index].rows > 0 {
            loads.append((index, Segment(offset: total, firstRow: firstRows[index], count: manifest.shards[index].rows)))
            total += manifest.shards[index].rows
        }
        segments = loads.map(\.segment)
        count = total
        let rowBytes = dimension * dtype.byteWidth
        // Every file must be large enough for its rows before the rows are allocated.
        for index in shards { try state.ref(index).checkFileSize() }
        rows = .allocate(byteCount: max(1, count * rowBytes), alignment: 64)
        labels = .allocate(capacity: max(1, count))
        // A throw below still runs deinit (every stored property is set), which frees the buffers.
        for (index, segment) in loads {
            let entry = manifest.shards[index], offset = segment.offset
            let handle = try ShardHandle(state.ref(index))
            let bytes = UnsafeMutableRawBufferPointer(rebasing: rows[(offset * rowBytes)..<((offset + entry.rows) * rowBytes)])
            let labelView = UnsafeMutableBufferPointer(rebasing: labels[offset..<(offset + entry.rows)])
            try handle.readRows(0..<entry.rows, into: bytes)
            try handle.readLabels(0..<entry.rows, into: labelView)
            if state.verify {
                var rowSum = CRC32(), labelSum = CRC32()
                rowSum.update(UnsafeRawBufferPointer(bytes))
                labelSum.update(UnsafeBufferPointer(labelView))
                try state.check(index, rows: rowSum, labels: labelSum)
            }
        }
    }

    deinit {
        rows.deallocate()
        labels.deallocate()
    }

    /// Blocks of at most `maxRows` rows, shard by shard, each shard's first block starting at its first row.
    func forEachBlock(maxRows: Int, _ body: (RowBlock) throws -> Void) throws {
        for segment in segments {
            var start = 0
            while start < segment.count {
                let n = min(maxRows, segment.count - start)
                try body(block(at: segment.offset + start, count: n, firstRow: segment.firstRow + start))
                start += n
            }
        }
    }

    /// Global rows `range` as a block (a view of the loaded rows), or nil when they are not all in one
    /// loaded shard (a shard this reader does not hold, or a range across shards).
    func block(global range: Range<Int>) -> RowBlock? {
        guard let segment = segments.first(where: { $0.firstRow <= range.lowerBound && range.upperBound <= $0.firstRow + $0.count })
        else { return nil }
        return block(at: segment.offset + range.lowerBound - segment.firstRow, count: range.count, firstRow: range.lowerBound)
    }

    /// `count` rows from position `at` of the allocation, numbered from global row `firstRow`.
    private func block(at: Int, count n: Int, firstRow: Int) -> RowBlock {
        let view: RowBlock.Rows
        switch dtype {
        case .float32:
            view = .float32(UnsafeBufferPointer(start: rows.baseAddress!.assumingMemoryBound(to: Float.self) + at * dimension, count: n * dimension))
        case .float16:
            view = .float16(UnsafeBufferPointer(start: rows.baseAddress!.assumingMemoryBound(to: Float16.self) + at * dimension, count: n * dimension))
        }
        return RowBlock(firstRow: firstRow, count: n, dimension: dimension, rows: view,
                        labels: UnsafeBufferPointer(rebasing: labels[at..<(at + n)]))
    }
}
