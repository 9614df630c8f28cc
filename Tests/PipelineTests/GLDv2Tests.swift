import Foundation
import ShardedIndex
import Testing
import TestSupport

@Suite struct GLDv2Tests {
    /// A tiny GLDv2 layout (train.csv `id,url,landmark_id`, images at ROOT/a/b/c/<id>.jpg) built, then
    /// evaluated with a recognition-solution CSV (`id,landmarks,Usage`) holding a non-landmark query and a
    /// query of a landmark that is not indexed: both are distractors.
    @Test func gldv2LayoutEndToEnd() throws {
        let photos = try AugmentedPhotos.make(perClass: 2, queries: 1)
        let root = try TestData.temporaryDirectory("gldv2")
        let images = root.appendingPathComponent("images")
        let landmarks = ["chelsea": "1001", "coffee": "2002", "rocket": "3003", "astronaut": "4004"]
        var counter = 0
        func place(_ source: URL) throws -> String {
            counter += 1
            let id = String(format: "%x%015x", counter % 16, counter * 7919)
            let chars = Array(id)
            let dir = images.appendingPathComponent("\(chars[0])/\(chars[1])/\(chars[2])")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: dir.appendingPathComponent("\(id).jpg"))
            return id
        }
        var train = "id,url,landmark_id\n"
        var solution = "id,landmarks,Usage\n"
        for (photo, landmark) in landmarks.sorted(by: { $0.key < $1.key }) where photo != "astronaut" {
            for view in 0..<2 {
                let id = try place(photos.appendingPathComponent("train/\(photo)/v\(view).jpg"))
                train += "\(id),http://example.org/\(id).jpg,\(landmark)\n"
            }
            solution += "\(try place(photos.appendingPathComponent("query/\(photo)/v0.jpg"))),\(landmark),Private\n"
        }
        solution += "\(try place(photos.appendingPathComponent("query/astronaut/v0.jpg"))),4004,Private\n"
        solution += "\(try place(photos.appendingPathComponent("query/moon/v0.jpg"))),,Private\n"
        try Data(train.utf8).write(to: root.appendingPathComponent("train.csv"))
        try Data(solution.utf8).write(to: root.appendingPathComponent("solution.csv"))

        let index = root.appendingPathComponent("index")
        let build = try CLIRun.cbr(["index", "build", "--csv", root.appendingPathComponent("train.csv").path,
                                    "--images", images.path, "--index", index.path, "--dtype", "float16"])
        #expect(build.status == 0, "\(build.stderr)")
        let reader = try ShardedIndexReader(directory: index)
        #expect(reader.rowCount == 6)
        #expect(reader.dtype == .float16)
        #expect(reader.classes.map(\.name).sorted() == ["1001", "2002", "3003"])

        let eval = try CLIRun.cbr(["eval", "--csv", root.appendingPathComponent("solution.csv").path,
                                   "--images", images.path, "--index", index.path, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        let report = try #require((object?["reports"] as? [[String: Any]])?.first)
        #expect(report["queries"] as? Int == 5)
        #expect(report["known"] as? Int == 3)
        #expect(report["distractors"] as? Int == 2)
        #expect(report["top1"] as? Double == 1)
        // Three right answers and two wrong ones ranked by confidence: GAP is 1 only if both distractors
        // score below every right answer; it is at least (1 + 1 + 1)/3 · precision at 3 of 5 otherwise.
        let gap = try #require(report["gap"] as? Double)
        #expect(gap > 0.5 && gap <= 1)
    }
}
