import Foundation
import ShardedIndex
import Testing
import TestSupport

/// `classify --explain N` names the indexed images behind each answer; `cbr report` turns the answers into
/// one HTML page. Real photos (augmented views), the real Lite0 model.
@Suite(.serialized) struct ExplainReportTests {
    private static let shared: Result<(root: URL, index: URL), any Error> = Result {
        let root = try AugmentedPhotos.make(perClass: 3, queries: 1)
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "build", root.appendingPathComponent("train").path, "--index", index.path])
        guard run.status == 0 else { throw RandomIndex.ImportFailed(stderr: run.stderr) }
        return (root, index)
    }

    /// The answers of `classify --format jsonl --explain 3`, parsed.
    private static func explained(_ root: URL, _ index: URL) throws -> (path: URL, answers: [[String: Any]]) {
        let out = root.appendingPathComponent("answers.jsonl")
        let run = try CLIRun.cbr(["classify", root.appendingPathComponent("query").path, "--index", index.path,
                                  "--top", "2", "--k", "20", "--explain", "3", "--format", "jsonl", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        let answers = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        return (out, answers)
    }

    @Test func explainedClassesNameTheirOwnIndexedViewsBestFirst() throws {
        let (root, index) = try Self.shared.get()
        let ids = Set(try ShardedIndexReader(directory: index).allIDs())
        let (_, answers) = try Self.explained(root, index)
        #expect(answers.count == (try AugmentedPhotos.classNames()).count)
        for answer in answers {
            let predictions = try #require(answer["predictions"] as? [[String: Any]])
            #expect(predictions.count == 2)
            for prediction in predictions {
                let name = try #require(prediction["class"] as? String)
                let score = try #require(prediction["score"] as? Double)
                let neighbours = try #require(prediction["neighbors"] as? [[String: Any]])
                #expect((1...3).contains(neighbours.count), "\(name): \(neighbours.count) neighbours")
                let scores = neighbours.compactMap { $0["score"] as? Double }
                #expect(scores == scores.sorted(by: >))
                // Under `max` a class scores its best neighbour.
                #expect(abs((scores.first ?? -2) - score) < 1e-5)
                for neighbour in neighbours {
                    let id = try #require(neighbour["id"] as? String)
                    #expect(ids.contains(id))
                    #expect(id.hasPrefix(name + "/"), "\(id) is not a view of \(name)")
                }
            }
        }
    }

    @Test func explainedCSVHasTheSameNeighboursInColumns() throws {
        let (root, index) = try Self.shared.get()
        let (_, answers) = try Self.explained(root, index)
        let run = try CLIRun.cbr(["classify", root.appendingPathComponent("query").path, "--index", index.path,
                                  "--top", "2", "--k", "20", "--explain", "3"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = run.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first == ["image", "rank", "class", "score", "neighbor1", "neighbor1_score", "neighbor2",
                               "neighbor2_score", "neighbor3", "neighbor3_score"])
        let first = try #require(answers.first)
        let image = try #require(first["image"] as? String)
        let best = try #require((first["predictions"] as? [[String: Any]])?.first)
        let expected = (best["neighbors"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        let row = try #require(rows.first { $0.first == image && $0.count > 2 && $0[1] == "1" })
        #expect(row.count == 10)
        #expect(stride(from: 4, to: 10, by: 2).map { row[$0] }.filter { !$0.isEmpty } == expected)
    }

    @Test func reportShowsWrongAnswersFirstWithInlinedThumbnails() throws {
        let (root, index) = try Self.shared.get()
        let (path, answers) = try Self.explained(root, index)
        // The truth: each query view's folder, except one image given a wrong class on purpose.
        let images = answers.compactMap { $0["image"] as? String }
        let planted = try #require(images.last)
        var truth = "image,class\n"
        for image in images {
            let folder = ((image as NSString).deletingLastPathComponent as NSString).lastPathComponent
            truth += "\(image),\(image == planted ? "not-" + folder : folder)\n"
        }
        let truthFile = root.appendingPathComponent("truth.csv")
        try truth.write(to: truthFile, atomically: true, encoding: .utf8)
        // A line that is not an answer: listed, the rest still reported.
        let damaged = root.appendingPathComponent("damaged.jsonl")
        try (String(contentsOf: path, encoding: .utf8) + "{\"image\": 3}\n").write(to: damaged, atomically: true, encoding: .utf8)
        let page = root.appendingPathComponent("report.html")
        let run = try CLIRun.cbr(["report", damaged.path, "--out", page.path, "--truth", truthFile.path,
                                  "--images", root.appendingPathComponent("train").path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("damaged.jsonl:\(images.count + 1): no \"image\" string"), "\(run.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        // Self-contained: every picture inlined (query and neighbours alike), nothing fetched.
        #expect(!html.contains("<script") && !html.contains("src=\"http"))
        #expect(!html.contains("no image"))
        #expect(html.components(separatedBy: "src=\"data:image/jpeg;base64,").count - 1
                == images.count * (1 + 2 * 3) - countMissingNeighbours(answers))
        // Wrong answers first, then unknown, then right; the planted mistake is among the wrong ones.
        let cards = html.components(separatedBy: "<div class=\"answer\">").dropFirst()
        #expect(cards.count == images.count)
        let order = ["wrong": 0, "unknown": 1, "right": 2]
        let verdicts = cards.map { card in
            card.components(separatedBy: "class=\"verdict ").dropFirst().first.map { String($0.prefix { $0 != "\"" }) } ?? ""
        }
        #expect(verdicts.map { order[$0] ?? 9 } == verdicts.map { order[$0] ?? 9 }.sorted())
        let plantedCard = try #require(cards.firstIndex { $0.contains(">" + HTMLText.escaped(planted) + "<") })
        #expect(verdicts[plantedCard - cards.startIndex] == "wrong")
    }

    private func countMissingNeighbours(_ answers: [[String: Any]]) -> Int {
        answers.reduce(0) { sum, answer in
            sum + (answer["predictions"] as? [[String: Any]] ?? []).reduce(0) { $0 + 3 - (($1["neighbors"] as? [Any])?.count ?? 0) }
        }
    }
}

/// The HTML escaping the page applies to a path.
private enum HTMLText {
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}

extension ExplainReportTests {
    @Test func reportOfAMissingOrNonJSONFileIsOneLineNamingIt() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("r.html")
        let missing = try CLIRun.cbr(["report", dir.appendingPathComponent("none.jsonl").path, "--out", page.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("none.jsonl: no such file"), "\(missing.stderr)")
        // A photo is not a predictions file: every line listed as a failure, an empty page, exit 1.
        let photo = try CLIRun.cbr(["report", TestData.photo("coffee.png").path, "--out", page.path])
        #expect(photo.status == 1)
        #expect(photo.stderr.contains("coffee.png:1: not a JSON object"), "\(photo.stderr)")
        #expect(FileManager.default.fileExists(atPath: page.path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("none.jsonl").path))
    }
}

extension ExplainReportTests {
    @Test func indexInfoListsEveryRowWithItsIdAndClass() throws {
        let (_, index) = try Self.shared.get()
        let run = try CLIRun.cbr(["index", "info", "--index", index.path, "--list"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        let header = try #require(lines.firstIndex(of: "row\tid\tclass"))
        let rows = lines[(header + 1)...].map { $0.split(separator: "\t").map(String.init) }
        let reader = try ShardedIndexReader(directory: index)
        #expect(rows.map { $0[0] } == (0..<reader.rowCount).map(String.init))
        #expect(rows.map { $0[1] } == (try reader.allIDs()))
        // Each view is listed under its folder's class.
        for row in rows { #expect(row[1].hasPrefix(row[2] + "/"), "\(row)") }
    }
}

extension ExplainReportTests {
    @Test func removingSingleImagesDropsExactlyThoseRows() throws {
        let (root, shared) = try Self.shared.get()
        let index = root.appendingPathComponent("index-remove-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: shared, to: index)
        let before = try ShardedIndexReader(directory: index)
        let ids = try before.allIDs()
        let (first, second) = (try #require(ids.first), try #require(ids.last))
        let list = root.appendingPathComponent("remove-\(UUID().uuidString).txt")
        try "\(second)\r\n\n".write(to: list, atomically: true, encoding: .utf8)
        let run = try CLIRun.cbr(["index", "remove", "--index", index.path, "--image", first, "--image", "no/such.jpg",
                                  "--from-file", list.path])
        // The unknown id is a failure naming it; the two others are removed.
        #expect(run.status == 1)
        #expect(run.stderr.contains("no/such.jpg: no such image in the index"), "\(run.stderr)")
        #expect(run.stdout.contains("removed 2 images"), "\(run.stdout)")
        let after = try ShardedIndexReader(directory: index)
        #expect(after.rowCount == before.rowCount - 2)
        #expect(try after.allIDs() == ids.filter { $0 != first && $0 != second })
        #expect(after.manifest.liveRowCount == before.manifest.liveRowCount - 2)
        let verify = try CLIRun.cbr(["index", "info", "--index", index.path, "--verify"])
        #expect(verify.status == 0, "\(verify.stderr)")
        // A list that is not a regular file is refused at once (a FIFO would block a plain read).
        let fifo = root.appendingPathComponent("fifo-\(UUID().uuidString)")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let blocked = try CLIRun.cbr(["index", "remove", "--index", index.path, "--from-file", fifo.path])
        #expect(blocked.status == 2)
        #expect(blocked.stderr.contains("not a regular file"), "\(blocked.stderr)")
    }
}
