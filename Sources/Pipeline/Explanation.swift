import Aggregate
import ShardedIndex

/// One indexed image behind an answer: its id (the image path or external key it was indexed under) and
/// its similarity to the query.
public struct Evidence: Sendable, Equatable {
    public var id: String
    public var score: Float

    public init(id: String, score: Float) {
        self.id = id
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
    /// For each of `predictions` (class ids; nil is `unknown`), the best `count` neighbours of query `query` in
    /// `rows` that carry that class.
    static func evidence(for predictions: [Prediction], query: Int, rows: SearchResults, count: Int,
                         ids: RowIDs) throws -> [[Evidence]] {
        let neighbours = rows.neighbors(of: query).filter { !$0.isPadding }
        return try predictions.map { prediction in
            guard let classID = prediction.classID, count > 0 else { return [] }
            return try neighbours.lazy.filter { $0.label == classID }.prefix(count).compactMap { neighbour in
                try ids.id(of: neighbour.row).map { Evidence(id: $0, score: neighbour.score) }
            }
        }
    }
}
