/// Turns one query's neighbours into a ranking of classes under one `AggregationRule`.
///
/// Reuse one aggregator for a stream of queries (one per thread: it is a value type holding scratch
/// space). Per query the work is O(k) hashing plus sorting the distinct classes seen (≤ k); nothing is
/// sized by the number of classes in the index, so 80k classes cost the same as 10.
public struct Aggregator: Sendable {
    public let rule: AggregationRule
    public let classes: ClassTable

    private struct Group {
        var classID: Int32
        var count: Int32
        var best: Float
        var sum: Float
        var power: Float
        var score: Float
    }

    private var slots = ClassSlots()
    private var groups: [Group] = []

    public init(rule: AggregationRule, classes: ClassTable) {
        self.rule = rule
        self.classes = classes
    }

    /// The classes present among `neighbours`, best first, at most `top` of them. Neighbours with a NaN
    /// score are ignored. Order of `neighbours` does not matter.
    public mutating func rank(_ neighbours: some Collection<Neighbor>, top: Int = .max) -> [ClassScore] {
        precondition(top >= 0, "top must be non-negative")
        accumulate(neighbours)
        scoreGroups()
        sortGroups()
        return groups.prefix(top).map { ClassScore(classID: $0.classID, score: $0.score) }
    }

    private mutating func accumulate(_ neighbours: some Collection<Neighbor>) {
        groups.removeAll(keepingCapacity: true)
        slots.reset(forAtMost: neighbours.count)
        let exponent: Float? = if case .power(let p) = rule { p } else { nil }
        for neighbour in neighbours where !neighbour.score.isNaN {
            let index = Int(slots.value(for: neighbour.classID) {
                groups.append(Group(classID: neighbour.classID, count: 0, best: -.infinity, sum: 0, power: 0, score: 0))
                return Int32(groups.count - 1)
            })
            groups[index].count += 1
            groups[index].best = Swift.max(groups[index].best, neighbour.score)
            groups[index].sum += neighbour.score
            if let exponent { groups[index].power += clippedPower(neighbour.score, exponent) }
        }
    }

    private mutating func scoreGroups() {
        for i in groups.indices {
            let g = groups[i]
            groups[i].score = switch rule {
            case .max, .prototype: g.best
            case .mean: g.sum / Float(g.count)
            case .sum: g.sum
            case .vote: Float(g.count)
            case .power: g.power
            }
        }
    }

    private mutating func sortGroups() {
        let classes = classes
        let byVoteSum = rule == .vote
        groups.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if byVoteSum, a.sum != b.sum { return a.sum > b.sum }
            switch (classes.name(a.classID), classes.name(b.classID)) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.classID < b.classID
            }
        }
    }
}
