import Aggregate
import Foundation

/// How unsure a classification is, from its ranked class scores (`cbr suggest --by`).
public enum Uncertainty: String, Sendable, CaseIterable {
    /// Best minus second-best class score (a missing second class scores 0): smaller is more unsure.
    case margin
    /// Entropy (nats) of the softmax of the ranked classes' scores divided by the calibrated temperature.
    case entropy
    /// 1 − the softmax probability of the best class.
    case leastConfidence = "least-confidence"

    /// Whether it needs the softmax temperature.
    public var usesTemperature: Bool { self != .margin }

    /// The measure's value for one ranking (best first).
    public func value(_ ranking: [ClassScore], temperature: Float) -> Double {
        guard let first = ranking.first else { return self == .margin ? 0 : .infinity }
        switch self {
        case .margin:
            return Double(first.score - (ranking.dropFirst().first?.score ?? 0))
        case .entropy, .leastConfidence:
            let p = Self.softmax(ranking.map(\.score), temperature: temperature)
            // 1 − p₀ summed as the other classes' probabilities: exact where p₀ rounds to 1.
            if self == .leastConfidence { return p.dropFirst().reduce(0, +) }
            return -p.reduce(0) { $0 + ($1 > 0 ? $1 * log($1) : 0) }
        }
    }

    /// Orders values most unsure first.
    public func isMoreUnsure(_ a: Double, than b: Double) -> Bool { self == .margin ? a < b : a > b }

    static func softmax(_ scores: [Float], temperature: Float) -> [Double] {
        let top = Double(scores.max() ?? 0)
        let e = scores.map { exp((Double($0) - top) / Double(temperature)) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }
}
