import Foundation
import Aggregate
import Testing
import TestSupport

@Suite struct AggregationRuleTests {
    @Test func maxTakesEachClassBestNeighbour() {
        let ranking = Fixture.rank(.max)
        #expect(ranking.map(\.classID) == [Fixture.dog, Fixture.cat, Fixture.bird, Fixture.ant])
        #expect(ranking.map(\.score) == [0.9, 0.8, 0.6, -0.3])
    }

    @Test func meanAveragesTheClassNeighbours() {
        let ranking = Fixture.rank(.mean)
        #expect(ranking.map(\.classID) == [Fixture.cat, Fixture.bird, Fixture.dog, Fixture.ant])
        #expect(close(ranking[0].score, 2.0 / 3))
        #expect(close(ranking[1].score, 0.6))
        #expect(close(ranking[2].score, 0.55))
        #expect(close(ranking[3].score, -0.3))
    }

    @Test func sumAddsTheClassNeighbours() {
        let ranking = Fixture.rank(.sum)
        #expect(ranking.map(\.classID) == [Fixture.cat, Fixture.dog, Fixture.bird, Fixture.ant])
        #expect(close(ranking[0].score, 2.0))
        #expect(close(ranking[1].score, 1.1))
    }

    @Test func voteCountsAndBreaksTiesBySummedScoreBeforeName() {
        let ranking = Fixture.rank(.vote)
        // bird and ant have one vote each; bird's 0.6 beats ant's −0.3 although "ant" < "bird".
        #expect(ranking.map(\.classID) == [Fixture.cat, Fixture.dog, Fixture.bird, Fixture.ant])
        #expect(ranking.map(\.score) == [3, 2, 1, 1])
    }

    @Test func voteFallsBackToNameWhenCountAndSumTie() {
        let neighbours = [
            ClassScore(classID: Fixture.dog, score: 0.5), ClassScore(classID: Fixture.bee, score: 0.5),
            ClassScore(classID: Fixture.cat, score: 0.5),
        ]
        #expect(Fixture.rank(.vote, neighbours).map(\.classID) == [Fixture.bee, Fixture.cat, Fixture.dog])
    }

    @Test func powerSumsClippedPowersAndZeroesNegativeScores() {
        let neighbours = Fixture.neighbours + [ClassScore(classID: Fixture.bee, score: -0.1)]
        let ranking = Fixture.rank(.power(exponent: 8), neighbours)
        // ant (−0.3) and bee (−0.1) both score 0: the name decides, not the raw similarity.
        #expect(ranking.map(\.classID) == [Fixture.dog, Fixture.cat, Fixture.bird, Fixture.ant, Fixture.bee])
        #expect(close(ranking[0].score, 0.43046977, tolerance: 1e-6))
        #expect(close(ranking[1].score, 0.22932642, tolerance: 1e-6))
        #expect(close(ranking[2].score, 0.01679616, tolerance: 1e-7))
        #expect(ranking[3].score == 0 && ranking[4].score == 0)
    }

    @Test func powerHonoursOtherExponents() {
        // p = 1 is the sum of the positive scores: cat 2.0 beats dog 1.1.
        #expect(Fixture.rank(.power(exponent: 1)).map(\.classID).prefix(2) == [Fixture.cat, Fixture.dog])
        let fractional = Fixture.rank(.power(exponent: 2.5))
        let dog = pow(0.9, 2.5) + pow(0.2, 2.5), cat = pow(0.8, 2.5) + pow(0.7, 2.5) + pow(0.5, 2.5)
        #expect(fractional.map(\.classID).prefix(2) == [Fixture.cat, Fixture.dog])
        #expect(close(fractional[0].score, cat, tolerance: 1e-5))
        #expect(close(fractional[1].score, dog, tolerance: 1e-5))
    }

    @Test func prototypeRanksOneCosinePerClass() {
        let hits = [
            ClassScore(classID: Fixture.bird, score: 0.31), ClassScore(classID: Fixture.cat, score: 0.74),
            ClassScore(classID: Fixture.ant, score: 0.52), ClassScore(classID: Fixture.dog, score: -0.05),
        ]
        let ranking = Fixture.rank(.prototype, hits)
        #expect(ranking.map(\.classID) == [Fixture.cat, Fixture.ant, Fixture.bird, Fixture.dog])
        #expect(ranking.map(\.score) == [0.74, 0.52, 0.31, -0.05])
    }

    @Test func equalScoresAreOrderedByNameNotId() {
        let neighbours = [
            ClassScore(classID: Fixture.dog, score: 0.5), ClassScore(classID: Fixture.cat, score: 0.7),
            ClassScore(classID: Fixture.bird, score: 0.5), ClassScore(classID: Fixture.ant, score: 0.5),
        ]
        for rule in [AggregationRule.max, .mean, .sum, .prototype] {
            #expect(Fixture.rank(rule, neighbours).map(\.classID) == [Fixture.cat, Fixture.ant, Fixture.bird, Fixture.dog])
        }
    }

    @Test func unnamedClassesComeAfterNamedOnesOnTies() {
        let neighbours = [ClassScore(classID: 9, score: 0.5), ClassScore(classID: 7, score: 0.5), ClassScore(classID: Fixture.dog, score: 0.5)]
        #expect(Fixture.rank(.max, neighbours).map(\.classID) == [Fixture.dog, 7, 9])
    }

    @Test func topTruncatesAndNaNAndEmptyInputsAreHandled() {
        #expect(Fixture.rank(.max, top: 2).map(\.classID) == [Fixture.dog, Fixture.cat])
        #expect(Fixture.rank(.max, top: 0).isEmpty)
        #expect(Fixture.rank(.sum, []).isEmpty)
        let withNaN = [ClassScore(classID: Fixture.ant, score: .nan), ClassScore(classID: Fixture.dog, score: 0.1)]
        #expect(Fixture.rank(.max, withNaN) == [ClassScore(classID: Fixture.dog, score: 0.1)])
    }

    /// Many queries through one reused aggregator (its scratch map is recycled between queries) over
    /// 80k class ids agree with a plain dictionary computation.
    @Test func reusedAggregatorMatchesDictionaryReferenceAtLandmarkScale() {
        var generator = SeededGenerator(state: 42)
        let names = (0..<80_000).map { "landmark-\($0)" }
        let table = ClassTable(names: names)
        for rule in [AggregationRule.max, .mean, .sum, .vote, .power(exponent: 8)] {
            var aggregator = Aggregator(rule: rule, classes: table)
            for query in 0..<60 {
                let k = [1, 5, 50, 300][query % 4]
                let pool = (0..<(query % 3 == 0 ? 4 : 5_000)).map { _ in Int32.random(in: 0..<80_000, using: &generator) }
                let neighbours = (0..<k).map { _ in
                    ClassScore(classID: pool.randomElement(using: &generator)!,
                             score: Float(Int.random(in: -100...100, using: &generator)) / 100)
                }
                let got = aggregator.rank(neighbours)
                let expected = reference(rule, neighbours, names: names)
                #expect(got.map(\.classID) == expected.map(\.id), "rule \(rule.name), query \(query)")
                #expect(got.map(\.score) == expected.map(\.score))
            }
        }
    }

    private func reference(_ rule: AggregationRule, _ neighbours: [ClassScore], names: [String]) -> [(id: Int32, score: Float)] {
        let groups = Dictionary(grouping: neighbours, by: \.classID)
        let scored = groups.map { id, members -> (id: Int32, score: Float, sum: Float) in
            let scores = members.map(\.score), sum = scores.reduce(0, +)
            let score: Float = switch rule {
            case .max, .prototype: scores.max()!
            case .mean: sum / Float(scores.count)
            case .sum: sum
            case .vote: Float(scores.count)
            case .power: scores.map { s -> Float in
                    let c = max(s, 0), c2 = c * c, c4 = c2 * c2
                    return c4 * c4  // p = 8, the same float operations as repeated squaring
                }.reduce(0, +)
            }
            return (id, score, sum)
        }
        return scored.sorted { a, b in
            if a.score != b.score { return a.score > b.score }
            if rule == .vote, a.sum != b.sum { return a.sum > b.sum }
            return names[Int(a.id)] < names[Int(b.id)]
        }.map { ($0.id, $0.score) }
    }

    @Test func namesParseAndRoundTrip() {
        for name in AggregationRule.names { #expect(AggregationRule(name: name)?.name == name) }
        #expect(AggregationRule(name: "power") == .power(exponent: 8))
        #expect(AggregationRule(name: "power:3") == .power(exponent: 3))
        #expect(AggregationRule(name: "power:3")?.name == "power:3.0")
        for bad in ["Max", "power:", "power:-1", "power:nan", "median", ""] { #expect(AggregationRule(name: bad) == nil) }
        #expect(AggregationRule.prototype.usesPrototypes && !AggregationRule.max.usesPrototypes)
    }
}
