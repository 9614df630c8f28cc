import Foundation
import LinearAlgebra
import ShardedIndex

/// What a ridge fit needs from the index, gathered in one streaming pass over the shards:
/// G = Σ x xᵀ (d × d, summed in double across blocks, each block by one SGEMM), each head class's row sum
/// (C × d, which is XᵀY for one-hot targets, without ever holding Y) and row count, Σ x, and a seeded sample
/// of rows kept aside for cross-validation. Rows of removed classes are left out. Memory: C × d floats plus
/// one block; never N × C.
struct RidgeStatistics {
    let dimension: Int
    /// Head column → index class id (live classes with rows, in id order).
    let classIDs: [Int32]
    var gram: [Double]
    var sums: [Float]
    var counts: [Int]
    var total: [Double]
    /// The rows kept for cross-validation (`sample.count × d`) and their head columns.
    var sample: [Float] = []
    var sampleColumns: [Int] = []

    var classCount: Int { classIDs.count }
    var rowCount: Int { counts.reduce(0, +) }

    /// Rows read per SGEMM.
    static let blockRows = 4096

    /// Streams every live row of `reader`; `sampleSize` rows (a seeded choice among the live rows) are also
    /// copied aside.
    static func gather(_ reader: ShardedIndexReader, sampleSize: Int, seed: UInt64) throws -> RidgeStatistics {
        let manifest = reader.manifest
        let d = manifest.dimension
        let live = manifest.classes.filter { !$0.removed && $0.rows > 0 }
        var column = [Int](repeating: -1, count: manifest.classes.count)
        for (j, c) in live.enumerated() where Int(c.id) >= 0 && Int(c.id) < column.count { column[Int(c.id)] = j }
        var stats = RidgeStatistics(dimension: d, classIDs: live.map(\.id), gram: [Double](repeating: 0, count: d * d),
                                    sums: [Float](repeating: 0, count: live.count * d),
                                    counts: [Int](repeating: 0, count: live.count), total: [Double](repeating: 0, count: d))
        let liveRows = live.reduce(0) { $0 + $1.rows }
        var generator = LearningRandom(seed: seed)
        let chosen = generator.sample(min(sampleSize, liveRows), of: liveRows).sorted()
        var nextChosen = 0, ordinal = 0
        var packed = [Float](repeating: 0, count: blockRows * d)
        try reader.forEachBlock(maxRows: blockRows) { block in
            var n = 0
            for r in 0..<block.count {
                let label = Int(block.labels[r])
                guard label >= 0, label < column.count, column[label] >= 0 else { continue }
                let j = column[label]
                packed.withUnsafeMutableBufferPointer { out in
                    let row = out.baseAddress! + n * d
                    switch block.rows {
                    case .float32(let values): for i in 0..<d { row[i] = values[r * d + i] }
                    case .float16(let values): for i in 0..<d { row[i] = Float(values[r * d + i]) }
                    }
                    stats.sums.withUnsafeMutableBufferPointer { sums in
                        let sum = sums.baseAddress! + j * d
                        for i in 0..<d { sum[i] += row[i]; stats.total[i] += Double(row[i]) }
                    }
                    if nextChosen < chosen.count && chosen[nextChosen] == ordinal {
                        stats.sample.append(contentsOf: UnsafeBufferPointer(start: row, count: d))
                        stats.sampleColumns.append(j)
                        nextChosen += 1
                    }
                }
                stats.counts[j] += 1
                ordinal += 1
                n += 1
            }
            guard n > 0 else { return }
            let part = packed.withUnsafeBufferPointer { BLAS.gram($0, rows: n, dimension: d) }
            for i in 0..<(d * d) { stats.gram[i] += Double(part[i]) }
        }
        return stats
    }
}
