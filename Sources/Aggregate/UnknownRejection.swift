/// Open-set answer: when the best class scores below `threshold`, the query's first answer is `unknown`.
///
/// A rejected query's list starts with `unknown` carrying the rejected best score (so the confidence
/// stays visible), followed by the ranked classes, truncated to `top` lines in all. A score equal to the
/// threshold is accepted. A query with no neighbours at all is answered `unknown` with score −∞.
public struct UnknownRejection: Hashable, Sendable, Codable {
    public var threshold: Float

    public init(threshold: Float) {
        self.threshold = threshold
    }

    public func accepts(_ score: Float) -> Bool { score >= threshold }

    public func apply(_ ranking: [ClassScore], top: Int) -> [Prediction] {
        Self.predictions(ranking, top: top, rejection: self)
    }

    /// `ranking` as predictions, rejected by `rejection` if one is given.
    public static func predictions(_ ranking: [ClassScore], top: Int, rejection: UnknownRejection?) -> [Prediction] {
        let classes = ranking.lazy.map { Prediction(classID: $0.classID, score: $0.score) }
        guard let first = ranking.first else {
            return top > 0 && rejection != nil ? [Prediction(classID: nil, score: -.infinity)] : []
        }
        guard let rejection, !rejection.accepts(first.score) else { return Array(classes.prefix(top)) }
        guard top > 0 else { return [] }
        return [Prediction(classID: nil, score: first.score)] + classes.prefix(top - 1)
    }
}
