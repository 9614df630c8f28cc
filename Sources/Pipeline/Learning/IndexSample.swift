import Foundation
import ShardedIndex

/// A seeded sample of an index's live rows, read in one streaming pass: their embeddings, global row
/// numbers and class ids.
struct IndexSample {
    var rows: [Float] = []
    var globalRows: [Int] = []
    var classIDs: [Int32] = []

    static func draw(_ reader: ShardedIndexReader, count: Int, seed: UInt64) throws -> IndexSample {
        let removed = reader.removedMask
        let live = reader.manifest.liveRowCount
        var generator = LearningRandom(seed: seed)
        let chosen = Set(generator.sample(min(count, live), of: live))
        var sample = IndexSample()
        var ordinal = 0
        try reader.forEachBlock(maxRows: 4096) { block in
            let d = block.dimension
            for r in 0..<block.count {
                let label = Int(block.labels[r])
                guard label >= 0, label < removed.count, !removed[label] else { continue }
                defer { ordinal += 1 }
                guard chosen.contains(ordinal) else { continue }
                switch block.rows {
                case .float32(let v): sample.rows.append(contentsOf: v[(r * d)..<((r + 1) * d)])
                case .float16(let v): sample.rows.append(contentsOf: v[(r * d)..<((r + 1) * d)].map(Float.init))
                }
                sample.globalRows.append(block.firstRow + r)
                sample.classIDs.append(block.labels[r])
            }
        }
        return sample
    }
}
