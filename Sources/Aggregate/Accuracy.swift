/// Top-k accuracy and the open-set accuracy of a threshold.
public enum Accuracy {
    /// Fraction of known queries (true class indexed) whose true class is among their first `k` classes.
    /// Distractors are left out: no class answer can be right for them. 0 when there is no known query.
    public static func topK(_ outcomes: [QueryOutcome], k: Int) -> Double {
        let known = outcomes.lazy.filter(\.isKnown).count
        guard known > 0 else { return 0 }
        return Double(outcomes.lazy.filter { $0.hits(within: k) }.count) / Double(known)
    }

    /// Fraction of all queries answered right once `rejection` applies: a known query must be accepted
    /// with its true class on top, a distractor must be rejected (`unknown`). 0 when there is no query.
    public static func openSet(_ outcomes: [QueryOutcome], rejection: UnknownRejection) -> Double {
        guard !outcomes.isEmpty else { return 0 }
        let right = outcomes.lazy.filter { outcome in
            let accepted = outcome.top.map { rejection.accepts($0.score) } ?? false
            return outcome.isKnown ? accepted && outcome.isTopCorrect : !accepted
        }.count
        return Double(right) / Double(outcomes.count)
    }
}
