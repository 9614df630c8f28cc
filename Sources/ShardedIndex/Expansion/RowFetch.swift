import Foundation
import HDF5

extension ShardedIndexReader {
    /// Rows `rows` (global row numbers of the whole index), as float32, in the order given. Each is read
    /// from its shard (checked against the manifest when opened); a number outside the index is an error.
    public func rows(at rows: [Int]) throws -> [Float] {
        let d = manifest.dimension
        let offsets = shardOffsets
        var out = [Float](repeating: 0, count: rows.count * d)
        var handles: [Int: ShardHandle] = [:]
        var half = [Float16](repeating: 0, count: d)
        for (position, row) in rows.enumerated() {
            guard row >= 0, row < manifest.rowCount else {
                throw IndexError.badInput("row \(row) is outside the index's \(manifest.rowCount) rows")
            }
            // The last shard starting at or before `row` that holds rows.
            var lo = 0, hi = manifest.shards.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if offsets[mid] <= row { lo = mid } else { hi = mid - 1 }
            }
            while manifest.shards[lo].rows == 0 || row >= offsets[lo + 1] { lo += 1 }
            let handle = try handles[lo] ?? ShardHandle(ShardRef(directory, manifest, lo))
            handles[lo] = handle
            let local = row - offsets[lo]
            switch handle.dtype {
            case .float32:
                try out.withUnsafeMutableBytes { bytes in
                    try handle.readRows(local..<(local + 1), into: UnsafeMutableRawBufferPointer(rebasing: bytes[(position * d * 4)..<((position + 1) * d * 4)]))
                }
            case .float16:
                try half.withUnsafeMutableBytes { try handle.readRows(local..<(local + 1), into: $0) }
                for i in 0..<d { out[position * d + i] = Float(half[i]) }
            }
        }
        return out
    }
}
