import Foundation

/// Every row of the index in one contiguous allocation (in-memory mode), loaded and verified at open.
final class LoadedRows: @unchecked Sendable {
    let dimension: Int
    let dtype: ScalarType
    let count: Int
    let rows: UnsafeMutableRawBufferPointer
    let labels: UnsafeMutableBufferPointer<Int32>

    init(_ state: StreamState) throws {
        let manifest = state.manifest
        dimension = manifest.dimension
        dtype = manifest.dtype
        count = manifest.rowCount
        let rowBytes = dimension * dtype.byteWidth
        // Every file must be large enough for its rows before the rows are allocated.
        for index in manifest.shards.indices { try state.ref(index).checkFileSize() }
        rows = .allocate(byteCount: max(1, count * rowBytes), alignment: 64)
        labels = .allocate(capacity: max(1, count))
        var offset = 0
        // A throw below still runs deinit (every stored property is set), which frees the buffers.
        for (index, entry) in manifest.shards.enumerated() where entry.rows > 0 {
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
            offset += entry.rows
        }
    }

    deinit {
        rows.deallocate()
        labels.deallocate()
    }

    func forEachBlock(maxRows: Int, _ body: (RowBlock) throws -> Void) throws {
        var start = 0
        while start < count {
            let n = min(maxRows, count - start)
            try body(block(start..<(start + n)))
            start += n
        }
    }
}
