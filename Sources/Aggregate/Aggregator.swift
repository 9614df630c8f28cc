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
        var count: Int32 = 0
        var best: Float = -.infinity
        var sum: Float = 0
        var power: Float = 0
        var score: Float = 0
    }

    private let exponent: PowerExponent?
    private var slots = ClassSlots()
    private var memberships: [Int32] = []
    private var classIDs: [Int32] = []
    private var groups: [Group] = []

    public init(rule: AggregationRule, classes: ClassTable) {
        self.rule = rule
        self.classes = classes
        exponent = if case .power(let p) = rule { PowerExponent(p) } else { nil }
    }

    /// The classes present among `neighbours`, best first, at most `top` of them. Neighbours with a NaN
    /// score are ignored. Order of `neighbours` does not matter.
    @inlinable
    public mutating func rank(_ neighbours: some Collection<ClassScore>, top: Int = .max) -> [ClassScore] {
        if let ranking = neighbours.withContiguousStorageIfAvailable({ rank(buffer: $0, top: top) }) {
            return ranking
        }
        return Array(neighbours).withUnsafeBufferPointer { rank(buffer: $0, top: top) }
    }

    /// `rank(_:top:)` over neighbours in contiguous memory.
    public mutating func rank(buffer neighbours: UnsafeBufferPointer<ClassScore>, top: Int = .max) -> [ClassScore] {
        precondition(top >= 0, "top must be non-negative")
        slots.group(neighbours, groups: &memberships, classIDs: &classIDs)
        accumulate(neighbours)
        sortGroups()
        return groups.prefix(top).map { ClassScore(classID: $0.classID, score: $0.score) }
    }

    private mutating func accumulate(_ neighbours: UnsafeBufferPointer<ClassScore>) {
        groups.removeAll(keepingCapacity: true)
        for id in classIDs { groups.append(Group(classID: id)) }
        let exponent = exponent, rule = rule
        groups.withUnsafeMutableBufferPointer { groups in
            memberships.withUnsafeBufferPointer { memberships in
                for (neighbour, g) in zip(neighbours, memberships) where g >= 0 {
                    let s = neighbour.score, i = Int(g)
                    groups[i].count += 1
                    groups[i].best = Swift.max(groups[i].best, s)
                    groups[i].sum += s
                    if let exponent { groups[i].power += exponent.clippedPower(s) }
                }
            }
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
    }

    private mutating func sortGroups() {
        let classes = classes
        let byVoteSum = rule == .vote
        groups.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if byVoteSum, a.sum != b.sum { return a.sum > b.sum }
            let x = classes.namePosition(a.classID), y = classes.namePosition(b.classID)
            return x != y ? x < y : a.classID < b.classID
        }
    }
}
