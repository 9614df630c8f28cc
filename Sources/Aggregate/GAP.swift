/// Global Average Precision, the Kaggle Landmark Recognition metric (micro-AP).
///
/// Each query contributes at most one prediction: its top-1 class with that class's score as confidence
/// (a query with no class, or one rejected as `unknown`, contributes none). All predictions are sorted by
/// confidence, descending — equal confidences keep query order, so the result is deterministic — and
///
///     GAP = (1/M) Σ_i P(i) · rel(i)
///
/// where P(i) is the precision of the first i predictions, rel(i) is 1 when prediction i is the query's
/// true class, and M is the number of queries whose true class is in the index. Distractors (no indexed
/// true class) are never right, so predicting them only pushes down the precision of what follows.
/// 0 when M = 0.
public enum GAP {
    public static func compute(_ outcomes: [QueryOutcome], rejection: UnknownRejection? = nil) -> Double {
        let known = outcomes.lazy.filter(\.isKnown).count
        guard known > 0 else { return 0 }
        var predictions: [(confidence: Float, correct: Bool, order: Int)] = []
        predictions.reserveCapacity(outcomes.count)
        for (order, outcome) in outcomes.enumerated() {
            guard let top = outcome.top, !top.score.isNaN else { continue }
            if let rejection, !rejection.accepts(top.score) { continue }
            predictions.append((top.score, outcome.isTopCorrect, order))
        }
        predictions.sort { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.order < $1.order }
        var correct = 0, total = 0.0
        for (rank, prediction) in predictions.enumerated() where prediction.correct {
            correct += 1
            total += Double(correct) / Double(rank + 1)
        }
        return total / Double(known)
    }
}
