import Aggregate

/// The hand-made query most rule tests share. Classes are named so that id order and name order differ.
enum Fixture {
    static let classes = ClassTable(names: ["cat", "dog", "bird", "ant", "bee"])
    static let cat: Int32 = 0, dog: Int32 = 1, bird: Int32 = 2, ant: Int32 = 3, bee: Int32 = 4

    /// Sorted by score like a search result.
    static let neighbours: [ClassScore] = [
        ClassScore(classID: dog, score: 0.9),
        ClassScore(classID: cat, score: 0.8),
        ClassScore(classID: cat, score: 0.7),
        ClassScore(classID: bird, score: 0.6),
        ClassScore(classID: cat, score: 0.5),
        ClassScore(classID: dog, score: 0.2),
        ClassScore(classID: ant, score: -0.3),
    ]

    static func rank(_ rule: AggregationRule, _ neighbours: [ClassScore] = neighbours, top: Int = .max) -> [ClassScore] {
        var aggregator = Aggregator(rule: rule, classes: classes)
        return aggregator.rank(neighbours, top: top)
    }

    static func outcome(_ truth: Int32?, _ ranking: [(Int32, Float)]) -> QueryOutcome {
        QueryOutcome(truth: truth, ranking: ranking.map { ClassScore(classID: $0.0, score: $0.1) })
    }
}

func close(_ a: Float, _ b: Double, tolerance: Double = 1e-6) -> Bool { abs(Double(a) - b) <= tolerance }
func close(_ a: Double, _ b: Double, tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance }
