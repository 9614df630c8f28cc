/// Per-class precision and recall of the top-1 answers.
public struct ClassMetrics: Hashable, Sendable, Codable {
    public var classID: Int32
    /// Queries whose true class is this one.
    public var support: Int
    /// Queries answered with this class (top-1, accepted by the rejection if any).
    public var predicted: Int
    /// Queries of this class answered with it.
    public var truePositives: Int

    public init(classID: Int32, support: Int, predicted: Int, truePositives: Int) {
        self.classID = classID
        self.support = support
        self.predicted = predicted
        self.truePositives = truePositives
    }

    /// truePositives / predicted; `nil` when the class was never predicted.
    public var precision: Double? { predicted > 0 ? Double(truePositives) / Double(predicted) : nil }
    /// truePositives / support; `nil` when no query belongs to the class.
    public var recall: Double? { support > 0 ? Double(truePositives) / Double(support) : nil }

    /// One entry per class that is some query's truth or some query's accepted top-1 answer, by class id.
    /// A rejected query (`unknown`) counts against its class's recall and for no class's precision.
    public static func perClass(_ outcomes: [QueryOutcome], rejection: UnknownRejection? = nil) -> [ClassMetrics] {
        var table: [Int32: ClassMetrics] = [:]
        func entry(_ id: Int32) -> ClassMetrics {
            table[id] ?? ClassMetrics(classID: id, support: 0, predicted: 0, truePositives: 0)
        }
        for outcome in outcomes {
            if let truth = outcome.truth {
                table[truth] = entry(truth).adding(support: 1)
            }
            guard let top = outcome.top, rejection?.accepts(top.score) ?? true else { continue }
            table[top.classID] = entry(top.classID).adding(predicted: 1, truePositives: outcome.isTopCorrect ? 1 : 0)
        }
        return table.values.sorted { $0.classID < $1.classID }
    }

    private func adding(support: Int = 0, predicted: Int = 0, truePositives: Int = 0) -> ClassMetrics {
        var copy = self
        copy.support += support
        copy.predicted += predicted
        copy.truePositives += truePositives
        return copy
    }
}
