/// Chooses the unknown-rejection threshold on held-out labelled queries.
///
/// Definitions, for a threshold t (a query is *accepted* when its top-1 score is ≥ t, as in
/// `UnknownRejection`):
/// - M, the known queries: those whose true class is indexed (distractors are the rest);
/// - a *true positive* is an accepted query whose top-1 class is its true class;
/// - precision = TP / accepted (wrong classes and accepted distractors are the false positives);
/// - recall = TP / M (a known query is missed when rejected *or* answered with a wrong class);
/// - F1 = 2·P·R / (P + R) = 2·TP / (accepted + M).
///
/// The candidate thresholds are the queries' distinct top-1 scores; the threshold returned is the
/// lowest top-1 score still accepted, so on the calibration set `score ≥ threshold` reproduces the
/// chosen split exactly.
public struct Calibration: Hashable, Sendable, Codable {
    public var threshold: Float
    public var accepted: Int
    public var truePositives: Int
    public var known: Int

    public var precision: Double { accepted > 0 ? Double(truePositives) / Double(accepted) : 0 }
    public var recall: Double { known > 0 ? Double(truePositives) / Double(known) : 0 }
    public var f1: Double { accepted + known > 0 ? 2 * Double(truePositives) / Double(accepted + known) : 0 }

    public var rejection: UnknownRejection { UnknownRejection(threshold: threshold) }

    /// The threshold of best F1 (on a tie, the higher threshold). `nil` when no query's top-1 class is
    /// right, since then every threshold has F1 = 0.
    public static func bestF1(_ outcomes: [QueryOutcome]) -> Calibration? {
        var best: Calibration?
        for candidate in sweep(outcomes) where candidate.truePositives > 0 {
            if best.map({ candidate.f1 > $0.f1 }) ?? true { best = candidate }
        }
        return best
    }

    /// The lowest threshold whose precision reaches `precision` (so the most queries answered at that
    /// precision). `nil` when no threshold reaches it.
    public static func reaching(precision target: Double, _ outcomes: [QueryOutcome]) -> Calibration? {
        sweep(outcomes).last { $0.truePositives > 0 && $0.precision >= target }
    }

    /// Every candidate threshold, highest first, with its counts.
    public static func sweep(_ outcomes: [QueryOutcome]) -> [Calibration] {
        let known = outcomes.lazy.filter(\.isKnown).count
        let tops = outcomes.compactMap { outcome in
            outcome.top.flatMap { $0.score.isNaN ? nil : (score: $0.score, correct: outcome.isTopCorrect) }
        }.sorted { $0.score > $1.score }
        var result: [Calibration] = []
        var accepted = 0, truePositives = 0
        for (i, top) in tops.enumerated() {
            accepted += 1
            if top.correct { truePositives += 1 }
            if i + 1 == tops.count || tops[i + 1].score != top.score {
                result.append(Calibration(threshold: top.score, accepted: accepted, truePositives: truePositives, known: known))
            }
        }
        return result
    }
}
