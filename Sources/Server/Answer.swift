import Aggregate
import Foundation
import Pipeline
import ShardedIndex

/// The JSON answer of `POST /classify`: the reported classes, best first (`unknown` first when the best
/// score is below the threshold), each with the nearest indexed images of that class among the k
/// neighbours, which are what the answer rests on.
struct Answer: Encodable, Sendable {
    struct Neighbour: Encodable, Sendable {
        var id: String
        var row: Int
        var score: Float
    }

    struct Entry: Encodable, Sendable {
        var `class`: String
        var score: Float
        var neighbours: [Neighbour]
    }

    var classes: [Entry]
    var k: Int
    var aggregate: String
    var generation: Int

    /// Query `query` of `results` (rows searched with k ≥ `request.k`; `prototypes` for the prototype rule).
    init(query: Int, request: Query, rows: SearchResults?, prototypes: SearchResults?, served: ServedIndex) {
        let classifier = served.classifier
        func nearest(_ results: SearchResults?) -> [Neighbor] {
            guard let results else { return [] }
            let start = query * results.k
            return (start..<(start + min(request.k, results.k))).compactMap { i in
                results.labels[i] >= 0 ? Neighbor(score: results.scores[i], row: results.rows[i], label: results.labels[i]) : nil
            }
        }
        let neighbours = nearest(rows)
        let ranked = request.rule.usesPrototypes ? nearest(prototypes) : neighbours
        var aggregator = Aggregator(rule: request.rule, classes: classifier.classes)
        let ranking = aggregator.rank(ranked.map { ClassScore(classID: $0.label, score: $0.score) }, top: request.top)
        let predictions = UnknownRejection.predictions(ranking, top: request.top,
                                                       rejection: request.threshold.map(UnknownRejection.init))
        classes = predictions.map { prediction in
            var behind: [Neighbour] = []
            if let id = prediction.classID {
                for neighbour in neighbours where neighbour.label == id && behind.count < request.neighbours {
                    let row = Int(neighbour.row)
                    behind.append(Neighbour(id: row >= 0 && row < served.ids.count ? served.ids[row] : "", row: row,
                                            score: neighbour.score))
                }
            }
            return Entry(class: classifier.classes.label(prediction), score: prediction.score, neighbours: behind)
        }
        k = request.k
        aggregate = request.rule.name
        generation = served.generation
    }
}
