import Aggregate
import Testing

@Suite struct MetricsTests {
    /// q0 right at 0.9, q1 wrong at 0.8 (true class second), q2 a distractor answered at 0.7, q3 right at
    /// 0.6, q4 known but with no neighbour at all. M = 4.
    let outcomes = [
        Fixture.outcome(0, [(0, 0.9), (1, 0.5)]),
        Fixture.outcome(1, [(2, 0.8), (1, 0.7)]),
        Fixture.outcome(nil, [(1, 0.7)]),
        Fixture.outcome(2, [(2, 0.6)]),
        Fixture.outcome(1, []),
    ]

    @Test func gapWithDistractorsAndMissingAnswers() {
        // Order: right, wrong, wrong (distractor), right → (1/1 + 2/4) / 4.
        #expect(close(GAP.compute(outcomes), (1.0 + 0.5) / 4))
        // Rejecting below 0.65 drops q3's right answer: 1/4.
        #expect(close(GAP.compute(outcomes, rejection: UnknownRejection(threshold: 0.65)), 0.25))
        // Rejecting below 0.75 drops the distractor and q3: still 1/4.
        #expect(close(GAP.compute(outcomes, rejection: UnknownRejection(threshold: 0.75)), 0.25))
    }

    @Test func gapOfPerfectAndWorstOrderings() {
        let perfect = [Fixture.outcome(0, [(0, 0.9)]), Fixture.outcome(1, [(1, 0.8)]),
                       Fixture.outcome(2, [(0, 0.7)]), Fixture.outcome(nil, [(2, 0.6)])]
        #expect(close(GAP.compute(perfect), (1.0 + 1.0) / 3))
        let worst = [Fixture.outcome(0, [(0, 0.6)]), Fixture.outcome(1, [(1, 0.5)]),
                     Fixture.outcome(2, [(0, 0.7)]), Fixture.outcome(nil, [(2, 0.9)])]
        #expect(close(GAP.compute(worst), (1.0 / 3 + 2.0 / 4) / 3))
        let allRight = (0..<5).map { Fixture.outcome(Int32($0), [(Int32($0), Float($0) / 10)]) }
        #expect(GAP.compute(allRight) == 1)
        let allWrong = (0..<5).map { Fixture.outcome(Int32($0), [(Int32($0 + 1), 0.5)]) }
        #expect(GAP.compute(allWrong) == 0)
        #expect(GAP.compute([Fixture.outcome(nil, [(1, 0.9)])]) == 0)
    }

    @Test func gapKeepsQueryOrderOnEqualConfidence() {
        let wrongFirst = [Fixture.outcome(0, [(1, 0.5)]), Fixture.outcome(1, [(1, 0.5)])]
        #expect(close(GAP.compute(wrongFirst), 0.5 / 2))
        #expect(close(GAP.compute(wrongFirst.reversed()), 1.0 / 2))
    }

    @Test func topKAccuracyCountsKnownQueriesOnly() {
        #expect(Accuracy.topK(outcomes, k: 1) == 0.5)
        #expect(Accuracy.topK(outcomes, k: 2) == 0.75)
        #expect(Accuracy.topK(outcomes, k: 5) == 0.75)
        #expect(Accuracy.topK([Fixture.outcome(nil, [(1, 0.9)])], k: 1) == 0)
    }

    @Test func openSetAccuracyRewardsRejectedDistractors() {
        // Threshold 0.75: q0 accepted and right; q1 accepted but wrong; q2 (distractor) rejected: right;
        // q3 rejected: wrong; q4 no answer: wrong.
        #expect(Accuracy.openSet(outcomes, rejection: UnknownRejection(threshold: 0.75)) == 2.0 / 5)
        // Threshold 0.5: q0, q3 right; the distractor is accepted.
        #expect(Accuracy.openSet(outcomes, rejection: UnknownRejection(threshold: 0.5)) == 2.0 / 5)
        #expect(Accuracy.openSet(outcomes, rejection: UnknownRejection(threshold: 0.95)) == 1.0 / 5)
    }

    @Test func perClassPrecisionAndRecall() {
        let byClass = Dictionary(uniqueKeysWithValues: ClassMetrics.perClass(outcomes).map { ($0.classID, $0) })
        #expect(byClass.keys.sorted() == [0, 1, 2])
        #expect(byClass[0] == ClassMetrics(classID: 0, support: 1, predicted: 1, truePositives: 1))
        #expect(byClass[1] == ClassMetrics(classID: 1, support: 2, predicted: 1, truePositives: 0))
        #expect(byClass[2] == ClassMetrics(classID: 2, support: 1, predicted: 2, truePositives: 1))
        #expect(byClass[1]?.precision == 0 && byClass[1]?.recall == 0)
        #expect(byClass[2]?.precision == 0.5 && byClass[2]?.recall == 1)
        let rejected = ClassMetrics.perClass(outcomes, rejection: UnknownRejection(threshold: 0.75))
        #expect(rejected.map(\.predicted) == [1, 0, 1])
        #expect(rejected[1].precision == nil && rejected[2].recall == 0)
    }

    @Test func evaluationCombinesTheMetrics() {
        let evaluation = Evaluation(outcomes)
        #expect(evaluation.queries == 5 && evaluation.known == 4)
        #expect(evaluation.top1 == 0.5 && evaluation.top5 == 0.75)
        #expect(close(evaluation.gap, 0.375))
        #expect(evaluation.perClass.count == 3)
        // Sweep: 0.9 → F1 2·1/(1+4); 0.8 → 2/6; 0.7 → 2/7; 0.6 → 4/8 = best.
        #expect(evaluation.calibration?.threshold == 0.6)
        #expect(evaluation.openSetAccuracy == 2.0 / 5)
    }
}
