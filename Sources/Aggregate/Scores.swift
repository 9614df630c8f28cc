/// A class and a score: a query's aggregated class score, and also one neighbour of a query as the
/// aggregator takes it (the indexed row's class and its similarity; ShardedIndex's `ClassScore` carries the
/// row too). For the `prototype` rule the neighbours are hits of a search over the class prototypes
/// instead (one entry per class, the score being the cosine to that class's mean embedding).
public struct ClassScore: Hashable, Sendable, Codable {
    public var classID: Int32
    public var score: Float

    public init(classID: Int32, score: Float) {
        self.classID = classID
        self.score = score
    }
}

/// One line of a query's answer after unknown rejection: a class, or `unknown` (`classID == nil`).
public struct Prediction: Hashable, Sendable, Codable {
    /// `nil` means `unknown`: the best class scored below the rejection threshold.
    public var classID: Int32?
    public var score: Float

    public init(classID: Int32?, score: Float) {
        self.classID = classID
        self.score = score
    }

    public var isUnknown: Bool { classID == nil }
}
