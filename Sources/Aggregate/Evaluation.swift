/// Everything `cbr eval` reports for one aggregation rule.
public struct Evaluation: Hashable, Sendable, Codable {
    public var queries: Int
    /// Queries whose true class is indexed (M); the rest are distractors.
    public var known: Int
    public var top1: Double
    public var top5: Double
    /// GAP of the raw top-1 answers (no rejection: rejecting the lowest-confidence answers can only lower
    /// GAP).
    public var gap: Double
    public var perClass: [ClassMetrics]
    /// Best-F1 threshold, or the one reaching the target precision when one was asked for.
    public var calibration: Calibration?
    /// Open-set accuracy at `calibration`'s threshold.
    public var openSetAccuracy: Double?

    public init(_ outcomes: [QueryOutcome], targetPrecision: Double? = nil) {
        queries = outcomes.count
        known = outcomes.lazy.filter(\.isKnown).count
        top1 = Accuracy.topK(outcomes, k: 1)
        top5 = Accuracy.topK(outcomes, k: 5)
        gap = GAP.compute(outcomes)
        perClass = ClassMetrics.perClass(outcomes)
        calibration = if let targetPrecision {
            Calibration.reaching(precision: targetPrecision, outcomes)
        } else {
            Calibration.bestF1(outcomes)
        }
        openSetAccuracy = calibration.map { Accuracy.openSet(outcomes, rejection: $0.rejection) }
    }
}
