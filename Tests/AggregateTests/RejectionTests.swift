import Aggregate
import Testing

@Suite struct RejectionTests {
    let ranking = [ClassScore(classID: Fixture.dog, score: 0.9), ClassScore(classID: Fixture.cat, score: 0.8),
                   ClassScore(classID: Fixture.bird, score: 0.6)]

    @Test func belowThresholdTheTopAnswerIsUnknown() {
        let predictions = UnknownRejection(threshold: 0.95).apply(ranking, top: 3)
        #expect(predictions == [Prediction(classID: nil, score: 0.9), Prediction(classID: Fixture.dog, score: 0.9),
                                Prediction(classID: Fixture.cat, score: 0.8)])
        #expect(predictions.map(Fixture.classes.label) == ["unknown", "dog", "cat"])
        #expect(UnknownRejection(threshold: 0.95).apply(ranking, top: 1) == [Prediction(classID: nil, score: 0.9)])
    }

    @Test func atOrAboveThresholdTheRankingIsKept() {
        let predictions = UnknownRejection(threshold: 0.9).apply(ranking, top: 2)
        #expect(predictions.map(\.classID) == [Fixture.dog, Fixture.cat])
        #expect(UnknownRejection.predictions(ranking, top: 5, rejection: nil).map(\.classID) == ranking.map(\.classID))
    }

    @Test func emptyRankingsAndZeroTop() {
        #expect(UnknownRejection(threshold: 0.5).apply([], top: 3) == [Prediction(classID: nil, score: -.infinity)])
        #expect(UnknownRejection.predictions([], top: 3, rejection: nil).isEmpty)
        #expect(UnknownRejection(threshold: 0.95).apply(ranking, top: 0).isEmpty)
    }

    @Test func classTableNamesIdsAndLabels() {
        var table = ClassTable([(5, "eiffel"), (2, "louvre")])
        #expect(table.count == 2 && table.name(5) == "eiffel" && table.name(3) == nil && table.name(-1) == nil)
        #expect(table.id(of: "louvre") == 2 && table.id(of: "eiffel") == 5)
        #expect(table.label(Prediction(classID: 9, score: 0)) == "#9")
        table.set(2, name: "orsay")
        #expect(table.id(of: "louvre") == nil && table.id(of: "orsay") == 2)
        #expect(table.entries.map(\.name) == ["orsay", "eiffel"])
    }
}
