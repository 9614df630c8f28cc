import Aggregate
import ShardedIndex

/// One indexed image behind an answer: its id (the image path or external key it was indexed under), its
/// global row (−1 when not known, as in an answer read back from a file) and its similarity to the query.
public struct Evidence: Sendable, Equatable {
    public var id: String
    public var row: Int64
    public var score: Float

    public init(id: String, row: Int64 = -1, score: Float) {
        self.id = id
        self.row = row
        self.score = score
    }
}

/// A classified image: its predictions, best first, and for each prediction the indexed images behind it
/// (empty unless `Classifier.Options.explain` asked for them; always empty for `unknown`).
public struct Answer: Sendable {
    public var image: String
    public var predictions: [(name: String, score: Float)]
    public var evidence: [[Evidence]]
}

/// The ids of indexed rows, each shard's read once and kept (an explained classification asks for a few
/// rows of the same shards batch after batch).
final class RowIDs {
    private let reader: ShardedIndexReader
    private let offsets: [Int]
    private var shards: [Int: [String]] = [:]

    init(_ reader: ShardedIndexReader) {
        self.reader = reader
        offsets = reader.shardOffsets
    }

    /// The id of global row `row`; nil when the row is outside the index or its shard holds fewer ids.
    func id(of row: Int64) throws -> String? {
        guard let (shard, local) = ShardedIndexReader.locate(Int(clamping: row), offsets: offsets) else { return nil }
        let ids = try shards[shard] ?? reader.ids(ofShard: shard)
        shards[shard] = ids
        return local < ids.count ? ids[local] : nil
    }
}

extension Classifier {
    /// For each of `predictions` (class ids; nil is `unknown`), the first `count` of `neighbours` (best first)
    /// that carry that class, named by `id` (a row it cannot name is left out). `classify --explain` and the
    /// server's answers both take their evidence from here.
    public static func evidence(for predictions: [Prediction], among neighbours: [Neighbor], count: Int,
                                id: (Int64) throws -> String?) rethrows -> [[Evidence]] {
        try predictions.map { prediction in
            guard let classID = prediction.classID, count > 0 else { return [] }
            return try neighbours.lazy.filter { $0.label == classID }.prefix(count).compactMap { neighbour in
                try id(neighbour.row).map { Evidence(id: $0, row: neighbour.row, score: neighbour.score) }
            }
        }
    }
}
