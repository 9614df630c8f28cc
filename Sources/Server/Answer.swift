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
            results.map { Array($0.neighbors(of: query).prefix(request.k).filter { $0.label >= 0 }) } ?? []
        }
        let neighbours = nearest(rows)
        let ranked = request.rule.usesPrototypes ? nearest(prototypes) : neighbours
        var aggregator = Aggregator(rule: request.rule, classes: classifier.classes)
        let ranking = aggregator.rank(ranked.map { ClassScore(classID: $0.label, score: $0.score) }, top: request.top)
        let predictions = UnknownRejection.predictions(ranking, top: request.top,
                                                       rejection: request.threshold.map(UnknownRejection.init))
        let evidence = Classifier.evidence(for: predictions, among: neighbours, count: request.neighbours) { row in
            row >= 0 && row < served.ids.count ? served.ids[Int(row)] : ""
        }
        classes = zip(predictions, evidence).map { prediction, behind in
            Entry(class: classifier.classes.label(prediction), score: prediction.score,
                  neighbours: behind.map { Neighbour(id: $0.id, row: Int($0.row), score: $0.score) })
        }
        k = request.k
        aggregate = request.rule.name
        generation = served.generation
    }
}
