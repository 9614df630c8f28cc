import Foundation
import Imaging
import ShardedIndex

/// A labelled set of L2-normalized embeddings held in memory (`count × dimension`), for few-shot episodes:
/// the index's own live rows, or a class-per-folder dataset embedded once.
public struct LabelledRows: Sendable {
    public let dimension: Int
    public var rows: [Float]
    /// Class number of each row (an index into `classNames`).
    public var labels: [Int]
    public var classNames: [String]

    public var count: Int { labels.count }

    /// Every live row of the index (refused beyond `Limits.valuesInMemory` floats).
    public static func index(_ directory: URL) throws -> LabelledRows {
        let reader = try ShardedIndexReader(directory: directory)
        let m = reader.manifest
        guard m.liveRowCount <= Limits.valuesInMemory / m.dimension else {
            throw HeadError(file: directory.path, reason: "\(m.liveRowCount) live rows × d = \(m.dimension) are too many to hold for episodes")
        }
        var out = LabelledRows(dimension: m.dimension, rows: [], labels: [], classNames: m.classes.map(\.name))
        out.rows.reserveCapacity(m.liveRowCount * m.dimension)
        let removed = m.removedMask
        try reader.forEachBlock(maxRows: 4096) { block in
            for r in 0..<block.count {
                let label = Int(block.labels[r])
                guard label >= 0, label < removed.count, !removed[label] else { continue }
                let d = block.dimension
                switch block.rows {
                case .float32(let v): out.rows.append(contentsOf: v[(r * d)..<((r + 1) * d)])
                case .float16(let v): out.rows.append(contentsOf: v[(r * d)..<((r + 1) * d)].map(Float.init))
                }
                out.labels.append(label)
            }
        }
        return out
    }

    /// The labelled images of `dataset` embedded with `model` (images without a class are skipped; those
    /// that fail are handed to `failure`).
    public static func embedding(_ dataset: Dataset, model: EmbeddingModel, batchSize: Int, threads: Int,
                                 decode: DecodeMode, failure: (Dataset.Problem) throws -> Void) throws -> LabelledRows {
        let items = dataset.items.filter { $0.label != nil }
        var out = LabelledRows(dimension: model.dimension, rows: [], labels: [], classNames: dataset.classNames)
        let embedder = model.embedder(batchSize: batchSize, threads: threads, decode: decode)
        try embedder.run(items.map(\.file.url)) { batch in
            for f in batch.failures { try failure(Dataset.Problem(path: items[f.index].path, error: f.error)) }
            out.rows.append(contentsOf: batch.embeddings)
            out.labels += batch.indices.map { Int(items[$0].label ?? 0) }
        }
        return out
    }

    /// Row numbers of each class (classes without rows give empty lists).
    var rowsByClass: [[Int]] {
        var byClass = [[Int]](repeating: [], count: classNames.count)
        for (row, label) in labels.enumerated() where label >= 0 && label < byClass.count { byClass[label].append(row) }
        return byClass
    }
}
