/// One labelled query of an evaluation: its true class and the raw ranking the aggregator gave it
/// (before unknown rejection).
public struct QueryOutcome: Hashable, Sendable {
    /// The true class when it is in the index; `nil` for a distractor (its class is not indexed, so no
    /// class answer can be right).
    public var truth: Int32?
    /// Classes best first, as `Aggregator.rank` returns them.
    public var ranking: [ClassScore]

    public init(truth: Int32?, ranking: [ClassScore]) {
        self.truth = truth
        self.ranking = ranking
    }

    /// The top-1 class and its score (the query's single prediction for GAP and calibration).
    public var top: ClassScore? { ranking.first }

    public var isKnown: Bool { truth != nil }

    /// Whether the top-1 class is the true class.
    public var isTopCorrect: Bool { truth != nil && ranking.first?.classID == truth }

    /// Whether the true class is among the first `k` classes.
    public func hits(within k: Int) -> Bool {
        guard let truth else { return false }
        return ranking.prefix(k).contains { $0.classID == truth }
    }
}
