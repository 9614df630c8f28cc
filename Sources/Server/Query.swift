import Aggregate
import Foundation
import Pipeline

/// What one `POST /classify` asks: the query parameters, checked (a bad one is a 400 naming it).
struct Query: Sendable {
    var top = 5
    var k = 50
    var rule: AggregationRule = .max
    var threshold: Float?
    var filter = ClassFilter()
    /// Neighbours listed per reported class (the nearest of that class among the k).
    var neighbours = 5

    /// The neighbours a server search keeps at most per query (a batch searches with its largest k).
    static let maxK = 1_000

    init() {}

    init(parameters: [(String, String)]) throws(RequestError) {
        for (name, value) in parameters {
            switch name {
            case "top": top = try Self.integer(name, value, Limits.top)
            case "k": k = try Self.integer(name, value, 1...Self.maxK)
            case "neighbours", "neighbors": neighbours = try Self.integer(name, value, 0...Self.maxK)
            case "aggregate":
                guard let rule = AggregationRule(name: value) else {
                    throw .badParameter(name, value, "one of " + AggregationRule.names.joined(separator: ", ") + ", power:P")
                }
                self.rule = rule
            case "threshold":
                guard let number = Float(value), number.isFinite else { throw .badParameter(name, value, "a finite number") }
                threshold = number
            case "classes", "exclude":
                let names = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                guard !names.isEmpty else { throw .badParameter(name, value, "class names separated by commas") }
                if name == "classes" { filter.only = names } else { filter.except = names }
            default:
                throw RequestError(400, "unknown parameter '\(name)' (top, k, aggregate, threshold, classes, exclude, neighbours)")
            }
        }
    }

    private static func integer(_ name: String, _ value: String, _ range: ClosedRange<Int>) throws(RequestError) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw .badParameter(name, value, "an integer in \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }
}
