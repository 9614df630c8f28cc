import Aggregate
import Foundation
import Pipeline
import ShardedIndex
import Testing
import TestSupport

/// The augmented photos and an index of their training views, made once for the suite.
private enum Shared {
    static let dataset = Result { try AugmentedPhotos.make() }
    static let index: Result<(URL, CLIRun), any Error> = Result {
        let root = try dataset.get()
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "build", root.appendingPathComponent("train").path, "--index", index.path])
        return (index, run)
    }
}

@Suite(.serialized) struct ClassificationTests {
    @Test func indexBuildRecordsEveryViewAndTheModel() throws {
        let (index, run) = try Shared.index.get()
        #expect(run.status == 0, "\(run.stderr)")
        let classes = try AugmentedPhotos.classNames()
        let reader = try ShardedIndexReader(directory: index)
        #expect(reader.rowCount == classes.count * 3)
        #expect(reader.classes.map(\.name).sorted() == classes)
        #expect(reader.manifest.model?.name == "efficientnet-lite0")
        #expect(reader.manifest.model?.checksum.hasPrefix("sha256:") == true)
        #expect(reader.manifest.model?.path?.hasSuffix("efficientnet-lite0.h5") == true)
        #expect(Set(try reader.allIDs()).count == reader.rowCount)
        #expect(run.stdout.contains("indexed \(classes.count * 3) images"))
    }

    @Test func heldOutViewsAreClassifiedByEveryRule() throws {
        let (index, _) = try Shared.index.get()
        let query = try Shared.dataset.get().appendingPathComponent("query")
        let run = try CLIRun.cbr(["eval", query.path, "--index", index.path, "--aggregate", "all", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let reports = try #require(object?["reports"] as? [[String: Any]])
        #expect(reports.map { $0["rule"] as? String } == AggregationRule.names)
        let classes = try AugmentedPhotos.classNames()
        for report in reports {
            #expect((report["queries"] as? Int) == classes.count * 2)
            #expect((report["distractors"] as? Int) == 0)
            #expect((report["top1"] as? Double ?? 0) >= 0.9, "\(report["rule"] ?? "")")
            #expect((report["top5"] as? Double ?? 0) >= (report["top1"] as? Double ?? 1))
            #expect((report["gap"] as? Double ?? 0) >= 0.85)
            #expect(report["threshold"] is Double)
            #expect((report["perClass"] as? [[String: Any]])?.count ?? 0 >= classes.count)
        }
    }

    @Test func searchingInSmallBatchesGivesTheSameAnswersInTheSameOrder() throws {
        let (index, _) = try Shared.index.get()
        let query = try Shared.dataset.get().appendingPathComponent("query")
        let whole = try CLIRun.cbr(["classify", query.path, "--index", index.path, "--top", "2"])
        let pieces = try CLIRun.cbr(["classify", query.path, "--index", index.path, "--top", "2",
                                     "--search-batch", "5", "--batch", "3"])
        #expect(whole.status == 0 && pieces.status == 0, "\(whole.stderr)\(pieces.stderr)")
        let rows = { (run: CLIRun) in run.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) } }
        let a = rows(whole), b = rows(pieces)
        #expect(a.count == 1 + 2 * 2 * (try AugmentedPhotos.classNames().count))
        #expect(a.count == b.count)
        for (x, y) in zip(a.dropFirst(), b.dropFirst()) {
            // Image, rank and class equal; scores equal up to the forward pass's batch-size rounding.
            #expect(x.prefix(3) == y.prefix(3))
            #expect(abs((Float(x[3]) ?? 0) - (Float(y[3]) ?? 1)) <= 1e-4)
        }
    }

    @Test func classifyWritesCSVRowsPerRankAndJSONLines() throws {
        let (index, _) = try Shared.index.get()
        let query = try Shared.dataset.get().appendingPathComponent("query")
        let csv = try CLIRun.cbr(["classify", query.path, "--index", index.path, "--top", "3"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "image,rank,class,score")
        let classes = try AugmentedPhotos.classNames()
        #expect(lines.count == 1 + classes.count * 2 * 3)
        var correct = 0, firsts = 0
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",").map(String.init)
            #expect(fields.count == 4)
            #expect(["1", "2", "3"].contains(fields[1]))
            #expect(Float(fields[3]) != nil)
            if fields[1] == "1" {
                firsts += 1
                let folder = URL(fileURLWithPath: fields[0]).deletingLastPathComponent().lastPathComponent
                if folder == fields[2] { correct += 1 }
            }
        }
        #expect(firsts == classes.count * 2)
        #expect(Double(correct) >= 0.9 * Double(firsts))

        let out = try Shared.dataset.get().appendingPathComponent("predictions.jsonl")
        let jsonl = try CLIRun.cbr(["classify", query.appendingPathComponent("chelsea").path, "--index", index.path,
                                    "--format", "jsonl", "--top", "2", "--aggregate", "power", "--out", out.path])
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        #expect(jsonl.stdout.isEmpty)
        let records = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(records.count == 2)
        for record in records {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any])
            #expect((object["image"] as? String)?.contains("/chelsea/") == true)
            let predictions = try #require(object["predictions"] as? [[String: Any]])
            #expect(predictions.count == 2)
            #expect(predictions.first?["class"] as? String == "chelsea")
            #expect(predictions.first?["score"] is Double)
        }
    }

    @Test func aThresholdAboveEveryScoreAnswersUnknown() throws {
        let (index, _) = try Shared.index.get()
        let query = try Shared.dataset.get().appendingPathComponent("query/coffee")
        let run = try CLIRun.cbr(["classify", query.path, "--index", index.path, "--threshold", "1.5", "--top", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = run.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 4)
        #expect(rows.filter { $0[1] == "1" }.allSatisfy { $0[2] == "unknown" })
        #expect(rows.filter { $0[1] == "2" }.allSatisfy { $0[2] == "coffee" })
    }

    @Test func aDifferentModelIsRefused() throws {
        let (index, _) = try Shared.index.get()
        let copy = try TestData.temporaryDirectory("other-model")
        let target = copy.appendingPathComponent("index")
        try FileManager.default.copyItem(at: index, to: target)
        var manifest = try Manifest.load(from: target)
        manifest.model?.checksum = "sha256:" + String(repeating: "0", count: 64)
        try manifest.save(to: target)
        let photo = TestData.photo("coffee.png").path
        let classify = try CLIRun.cbr(["classify", photo, "--index", target.path])
        #expect(classify.status == 2)
        #expect(classify.stderr.contains("differs from the index's"))
        let add = try CLIRun.cbr(["index", "add", try Shared.dataset.get().appendingPathComponent("query").path,
                                  "--index", target.path])
        #expect(add.status == 2)
        #expect(try Manifest.load(from: target).rowCount == manifest.rowCount)
    }

    @Test func indexAddAddsImagesAndClassesAndSkipsWhatIsThere() throws {
        let root = try Shared.dataset.get()
        let (index, _) = try Shared.index.get()
        let target = try TestData.temporaryDirectory("add").appendingPathComponent("index")
        try FileManager.default.copyItem(at: index, to: target)
        let extra = try TestData.temporaryDirectory("extra")
        try FileManager.default.createDirectory(at: extra.appendingPathComponent("new_class"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: root.appendingPathComponent("query/coffee/v0.jpg"),
                                         to: extra.appendingPathComponent("new_class/a.jpg"))
        try FileManager.default.createDirectory(at: extra.appendingPathComponent("chelsea"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: root.appendingPathComponent("query/chelsea/v0.jpg"),
                                         to: extra.appendingPathComponent("chelsea/v9.jpg"))
        try FileManager.default.copyItem(at: root.appendingPathComponent("train/chelsea/v0.jpg"),
                                         to: extra.appendingPathComponent("chelsea/v0.jpg"))
        let before = try Manifest.load(from: target)
        let run = try CLIRun.cbr(["index", "add", extra.path, "--index", target.path])
        #expect(run.status == 0, "\(run.stderr)")
        let after = try Manifest.load(from: target)
        // chelsea/v0.jpg is already an id of the index, with the same content: skipped, not duplicated.
        #expect(after.rowCount == before.rowCount + 2)
        #expect(after.classID(named: "new_class") != nil)
        #expect(after.classes.first { $0.name == "chelsea" }?.rows == 4)
        #expect(run.stdout.contains("1 already in the index"))
    }

    @Test func aRemovedClassIsNeverAnswered() throws {
        let (index, _) = try Shared.index.get()
        let target = try TestData.temporaryDirectory("removed").appendingPathComponent("index")
        try FileManager.default.copyItem(at: index, to: target)
        let remove = try CLIRun.cbr(["index", "remove", "--class", "chelsea", target.path])
        #expect(remove.status == 0, "\(remove.stderr)")
        let query = try Shared.dataset.get().appendingPathComponent("query/chelsea")
        for rule in ["max", "prototype"] {
            let run = try CLIRun.cbr(["classify", query.path, "--index", target.path, "--aggregate", rule, "--top", "5"])
            #expect(run.status == 0, "\(run.stderr)")
            let rows = run.stdout.split(separator: "\n").dropFirst()
            #expect(rows.count == 10)
            #expect(!rows.contains { $0.contains(",chelsea,") }, "\(rule)")
        }
    }
}
