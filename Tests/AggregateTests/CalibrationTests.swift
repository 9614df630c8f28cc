import Aggregate
import Testing

@Suite struct CalibrationTests {
    /// Top-1 answers by score: right (known), wrong class (known), right, distractor, right, distractor,
    /// wrong class, and one known query without an answer. M = 6.
    let outcomes = [
        Fixture.outcome(0, [(0, 0.95)]),
        Fixture.outcome(1, [(2, 0.90)]),
        Fixture.outcome(2, [(2, 0.85)]),
        Fixture.outcome(nil, [(1, 0.80)]),
        Fixture.outcome(3, [(3, 0.70)]),
        Fixture.outcome(nil, [(0, 0.60)]),
        Fixture.outcome(4, [(1, 0.50)]),
        Fixture.outcome(2, []),
    ]

    @Test func sweepCountsAcceptedAndTruePositivesPerThreshold() {
        let sweep = Calibration.sweep(outcomes)
        #expect(sweep.map(\.threshold) == [0.95, 0.90, 0.85, 0.80, 0.70, 0.60, 0.50])
        #expect(sweep.map(\.accepted) == [1, 2, 3, 4, 5, 6, 7])
        #expect(sweep.map(\.truePositives) == [1, 1, 2, 2, 3, 3, 3])
        #expect(sweep.allSatisfy { $0.known == 6 })
    }

    @Test func bestF1IsTheHandComputedThreshold() throws {
        // F1 = 2·TP/(accepted + 6): 2/7, 2/8, 4/9, 4/10, 6/11 (best), 6/12, 6/13.
        let best = try #require(Calibration.bestF1(outcomes))
        #expect(best.threshold == 0.70)
        #expect(close(best.f1, 6.0 / 11))
        #expect(close(best.precision, 0.6) && close(best.recall, 0.5))
        #expect(best.rejection.accepts(0.70) && !best.rejection.accepts(0.69))
    }

    @Test func targetPrecisionTakesTheLowestThresholdReachingIt() {
        // Precision per threshold: 1, 1/2, 2/3, 1/2, 3/5, 1/2, 3/7.
        #expect(Calibration.reaching(precision: 0.6, outcomes)?.threshold == 0.70)
        #expect(Calibration.reaching(precision: 0.65, outcomes)?.threshold == 0.85)
        #expect(Calibration.reaching(precision: 0.99, outcomes)?.threshold == 0.95)
        #expect(Calibration.reaching(precision: 0.4, outcomes)?.threshold == 0.50)
        #expect(Calibration.reaching(precision: 1.01, outcomes) == nil)
    }

    @Test func tiedScoresFormOneCandidate() {
        let tied = [Fixture.outcome(0, [(0, 0.8)]), Fixture.outcome(nil, [(1, 0.8)]), Fixture.outcome(1, [(1, 0.5)])]
        #expect(Calibration.sweep(tied).map(\.accepted) == [2, 3])
        // 0.8 → 2/(2+2) = 0.5; 0.5 → 4/(3+2) = 0.8.
        #expect(Calibration.bestF1(tied)?.threshold == 0.5)
    }

    @Test func noRightAnswerGivesNoThreshold() {
        let wrong = [Fixture.outcome(0, [(1, 0.8)]), Fixture.outcome(nil, [(1, 0.9)])]
        #expect(Calibration.bestF1(wrong) == nil)
        #expect(Calibration.reaching(precision: 0.1, wrong) == nil)
        #expect(Calibration.bestF1([]) == nil)
    }

    @Test func evaluationUsesTargetPrecisionWhenGiven() {
        #expect(Evaluation(outcomes, targetPrecision: 0.65).calibration?.threshold == 0.85)
        #expect(Evaluation(outcomes).calibration?.threshold == 0.70)
    }
}
