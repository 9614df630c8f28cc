import Aggregate
import ArgumentParser
import Foundation

/// Per-query aggregation cost at landmark scale (81,313 classes), one thread: `Aggregator` against the
/// plain `Dictionary(grouping:)` + sort a Swift user would write, measured in the same run.
struct AggregateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Aggregation rules: queries/s at k = 10/100/300 over 81,313 classes, vs a Dictionary baseline.")

    @Option(help: "Queries per measurement.") var queries = 20_000
    @Option(help: "Repeats per measurement (the median is reported).") var repeats = 5
    @Option(help: "Write the results as JSON to this file.") var json: String?

    static let classCount = 81_313

    func run() throws {
        var report = Report(benchmark: "aggregate", columns: ["rule", "k", "cbr q/s", "dictionary q/s", "ratio"])
        let table = ClassTable(names: (0..<Self.classCount).map { "landmark-\($0)" })
        for k in [10, 100, 300] {
            let data = Self.neighbours(queries: queries, k: k, seed: UInt64(k))
            for rule in [AggregationRule.max, .mean, .vote, .power(exponent: 8)] {
                var aggregator = Aggregator(rule: rule, classes: table)
                let ours = median(repeats) { data.withBatches(k) { _ = aggregator.rank($0, top: 5) } }
                let peer = median(repeats) { data.withBatches(k) { _ = Self.dictionaryRank(rule, $0, table, top: 5) } }
                let ourRate = Double(queries) / ours, peerRate = Double(queries) / peer
                report.add([.text(rule.name), .number(Double(k), digits: 0), .number(ourRate, digits: 0),
                            .number(peerRate, digits: 0), .number(ourRate / peerRate, digits: 2)])
            }
        }
        report.notes.append("one thread; synthetic neighbour lists (half from 3 'true' classes, half uniform)")
        try report.emit(json: json)
    }

    private func median(_ repeats: Int, _ body: () -> Void) -> Double {
        let times = (0..<max(repeats, 1)).map { _ in
            let start = ContinuousClock.now
            body()
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }.sorted()
        return times[times.count / 2]
    }

    /// `queries × k` neighbours, each query's list sorted by score.
    static func neighbours(queries: Int, k: Int, seed: UInt64) -> [ClassScore] {
        var rng = Xoshiro256(seed: seed)
        var all: [ClassScore] = []
        all.reserveCapacity(queries * k)
        for _ in 0..<queries {
            let favourites = (0..<3).map { _ in Int32.random(in: 0..<Int32(classCount), using: &rng) }
            let list = (0..<k).map { _ -> ClassScore in
                let id = Bool.random(using: &rng) ? favourites.randomElement(using: &rng)!
                    : Int32.random(in: 0..<Int32(classCount), using: &rng)
                return ClassScore(classID: id, score: Float.random(in: -0.2...1, using: &rng))
            }
            all += list.sorted { $0.score > $1.score }
        }
        return all
    }

    /// The baseline: group with a Dictionary, score, sort by (score desc, name).
    static func dictionaryRank(_ rule: AggregationRule, _ neighbours: ArraySlice<ClassScore>, _ table: ClassTable,
                               top: Int) -> [ClassScore] {
        let groups = Dictionary(grouping: neighbours, by: \.classID)
        let scored = groups.map { id, members -> ClassScore in
            let scores = members.lazy.map(\.score)
            let score: Float = switch rule {
            case .max, .prototype: scores.max()!
            case .mean: scores.reduce(0, +) / Float(members.count)
            case .sum: scores.reduce(0, +)
            case .vote: Float(members.count)
            case .power(let p): scores.reduce(0) { $0 + Float(pow(Double(max($1, 0)), Double(p))) }
            }
            return ClassScore(classID: id, score: score)
        }
        let sorted = scored.sorted { a, b in
            a.score != b.score ? a.score > b.score : (table.name(a.classID) ?? "") < (table.name(b.classID) ?? "")
        }
        return Array(sorted.prefix(top))
    }
}

private extension Array where Element == ClassScore {
    func withBatches(_ k: Int, _ body: (ArraySlice<ClassScore>) -> Void) {
        var start = 0
        while start < count {
            body(self[start..<(start + k)])
            start += k
        }
    }
}
