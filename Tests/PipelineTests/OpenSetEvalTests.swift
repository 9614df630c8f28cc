import Foundation
import Testing
import TestSupport

/// The open-set evaluation set from real photos: built reproducibly, indexed and evaluated end to end.
@Suite(.serialized) struct OpenSetEvalTests {
    @Test func theSetIsReproducibleAndItsFiguresAreSane() throws {
        let (set, info) = try OpenSetEval.makeSmall(seed: 3)
        let (_, infoAgain) = try OpenSetEval.makeSmall(seed: 3)
        let (other, infoOther) = try OpenSetEval.makeSmall(seed: 4)
        // The same seed gives the same bytes; another seed other views and distractor classes.
        #expect(info["sha256"] as? String == infoAgain["sha256"] as? String)
        #expect(info["sha256"] as? String != infoOther["sha256"] as? String)
        let fm = FileManager.default
        let classes = try fm.contentsOfDirectory(atPath: set.appendingPathComponent("query").path).sorted()
        let indexed = try fm.contentsOfDirectory(atPath: set.appendingPathComponent("gallery").path).sorted()
        let distractors = try #require(info["distractor_classes"] as? [String])
        #expect(classes.count == 24)
        #expect(Set(indexed).union(distractors) == Set(classes) && Set(indexed).isDisjoint(with: distractors))
        #expect(distractors.count == 5)  // round(24 × 0.2)
        _ = other

        let index = set.deletingLastPathComponent().appendingPathComponent("index")
        let build = try CLIRun.cbr(["index", "build", set.appendingPathComponent("gallery").path, "--index", index.path])
        #expect(build.status == 0, "\(build.stderr)")
        let args = ["eval", set.appendingPathComponent("query").path, "--index", index.path, "--aggregate", "max,mean,prototype", "--json"]
        let first = try CLIRun.cbr(args), second = try CLIRun.cbr(args)
        #expect(first.status == 0, "\(first.stderr)")
        let reports = try OpenSetEval.reports(first.stdout), repeated = try OpenSetEval.reports(second.stdout)
        let max = try #require(reports["max"])
        #expect(max["queries"] as? Int == 24 * 3)
        #expect(max["distractors"] as? Int == distractors.count * 3)
        #expect(max["known"] as? Int == indexed.count * 3)
        for (rule, report) in reports {
            let top1 = try #require(report["top1"] as? Double), top5 = try #require(report["top5"] as? Double)
            let gap = try #require(report["gap"] as? Double), f1 = try #require(report["thresholdF1"] as? Double)
            // Hard views of 19 indexed photos: far above chance (1/19), not trivially perfect with distractors in.
            #expect(top1 > 0.4 && top1 <= top5 && top5 <= 1, "\(rule): top-1 \(top1), top-5 \(top5)")
            #expect(gap > 0.2 && gap <= top1 + 1e-9, "\(rule): GAP \(gap) with top-1 \(top1)")
            #expect(f1 > 0.3 && f1 <= 1, "\(rule): open-set F1 \(f1)")
            // The same index and queries give the same figures.
            for key in ["top1", "top5", "gap", "thresholdF1"] {
                #expect(report[key] as? Double == repeated[rule]?[key] as? Double, "\(rule) \(key) differs between two runs")
            }
        }
    }
}
