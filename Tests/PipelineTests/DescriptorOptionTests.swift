import Foundation
import ShardedIndex
import Testing
import TestSupport

/// `index build --pool/--flip/--scales`: the index records its descriptor, every command that embeds a
/// query follows it, and a command asking another, or one that cannot honour it, says so in one line.
@Suite(.serialized) struct DescriptorOptionTests {
    static let options = ["--pool", "gem", "--flip", "--scales", "1,0.7071"]

    /// Largest cosine between a row of `a` and the row of the same id in `b` (numpy over the shards).
    static let rowCosines = #"""
import json, os, sys
import h5py, numpy as np
def rows(index):
    m = json.load(open(os.path.join(index, "manifest.json")))
    out = {}
    for s in m["shards"]:
        with h5py.File(os.path.join(index, s["file"]), "r") as f:
            for i, e in zip(f["ids"][:], f["embeddings"][:].astype(np.float64)):
                out[i.decode() if isinstance(i, bytes) else str(i)] = e
    return out
a, b = rows(sys.argv[1]), rows(sys.argv[2])
c = [float(a[k] @ b[k] / np.linalg.norm(a[k]) / np.linalg.norm(b[k])) for k in a]
print(json.dumps({"count": len(c), "min": min(c), "max": max(c)}))
"""#

    @Test func everyQueryIsEmbeddedAsTheRowsWere() throws {
        let dataset = try AugmentedPhotos.make(perClass: 2, queries: 1)
        defer { try? FileManager.default.removeItem(at: dataset) }
        let train = dataset.appendingPathComponent("train"), queries = dataset.appendingPathComponent("query")
        let index = dataset.appendingPathComponent("gem"), standard = dataset.appendingPathComponent("standard")
        let build = try CLIRun.cbr(["index", "build", train.path, "--index", index.path] + Self.options)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(try CLIRun.cbr(["index", "build", train.path, "--index", standard.path]).status == 0)
        #expect(try Manifest.load(from: index).descriptor == Manifest.Descriptor(pooling: "gem:3", flip: true, scales: [1, 0.7071]))
        #expect(try Manifest.load(from: standard).descriptor == nil)
        let info = try CLIRun.cbr(["index", "info", "--index", index.path])
        #expect(info.stdout.contains("descriptor: gem:3, flip, scales 1,0.7071"), "\(info.stdout)")

        // The rows are another embedding than the network's own, of the same photos.
        let cosines = try JSONSerialization.jsonObject(with: Data(try TestData.runPython(
            Self.rowCosines, [index.path, standard.path]).utf8)) as? [String: Any] ?? [:]
        #expect(cosines["count"] as? Int == 2 * (try AugmentedPhotos.classNames().count))
        #expect(try #require(cosines["max"] as? Double) < 0.9999)
        #expect(try #require(cosines["min"] as? Double) > 0.5)

        // An indexed view classified is its own row (score 1): classify embeds it as the rows were.
        let photo = try #require(try AugmentedPhotos.classNames().first)
        let view = train.appendingPathComponent("\(photo)/v0.jpg")
        for command in [["classify", view.path, "--top", "1", "--aggregate", "max", "--format", "csv"]] {
            let run = try CLIRun.cbr(command + ["--index", index.path])
            let fields = try #require(run.stdout.split(separator: "\n").last?.split(separator: ","))
            #expect(fields.count == 4 && fields[2] == Substring(photo), "\(run.stdout) \(run.stderr)")
            #expect(try #require(Double(fields[3])) > 0.9999, "\(run.stdout)")
        }
        let eval = try CLIRun.cbr(["eval", queries.path, "--index", index.path, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let suggest = try CLIRun.cbr(["suggest", queries.path, "--index", index.path, "--count", "3"])
        #expect(suggest.status == 0 && suggest.stdout.split(separator: "\n").count == 4, "\(suggest.stdout) \(suggest.stderr)")

        // index add follows the record: an added query view is then its own best neighbour.
        let added = dataset.appendingPathComponent("added/\(photo)")
        try FileManager.default.createDirectory(at: added, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: queries.appendingPathComponent("\(photo)/v0.jpg"), to: added.appendingPathComponent("q.jpg"))
        let add = try CLIRun.cbr(["index", "add", added.deletingLastPathComponent().path, "--index", index.path])
        #expect(add.status == 0 && add.stdout.contains("indexed 1 image"), "\(add.stdout) \(add.stderr)")
        let again = try CLIRun.cbr(["classify", added.appendingPathComponent("q.jpg").path, "--index", index.path,
                                    "--top", "1", "--aggregate", "max", "--format", "csv"])
        let last = try #require(again.stdout.split(separator: "\n").last?.split(separator: ",").last)
        #expect(try #require(Double(last)) > 0.9999, "\(again.stdout) \(again.stderr)")

        // Asking another descriptor of an existing index, or exporting one, is one line naming the index.
        let before = try Manifest.load(from: index)
        for (command, words) in [(["index", "build", train.path, "--index", index.path, "--resume", "--pool", "avg"], "descriptor gem:3"),
                                 (["index", "build", train.path, "--index", index.path, "--resume", "--flip"], "not avg, flip"),
                                 (["export", "--index", index.path, "--out", dataset.appendingPathComponent("m.onnx").path], "descriptor")] {
            let run = try CLIRun.cbr(command)
            #expect(run.status == 2, "\(command): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(index.path) && run.stderr.contains(words),
                    "\(command): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dataset.appendingPathComponent("m.onnx").path))
        #expect(try Manifest.load(from: index) == before)
        // The same options resume it.
        #expect(try CLIRun.cbr(["index", "build", train.path, "--index", index.path, "--resume"] + Self.options).status == 0)
    }

    @Test func badOptionsAreOneLineAndMakeNoIndex() throws {
        let root = try TestData.temporaryDirectory("cbr-descriptor-options")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data/cat")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestData.photo("chelsea.png"), to: data.appendingPathComponent("chelsea.png"))
        let index = root.appendingPathComponent("index")
        for (options, words) in [(["--pool", "max"], "avg, gem or gem:P"), (["--pool", "gem:0"], "exponent"),
                                 (["--scales", "1,x"], "not a number"), (["--scales", "3"], "outside"),
                                 (["--scales", "1,1"], "twice"), (["--flip", "--scales", "2,1.9,1"], "work")] {
            let run = try CLIRun.cbr(["index", "build", root.appendingPathComponent("data").path, "--index", index.path] + options)
            #expect(run.status != 0 && run.stderr.contains(words), "\(options): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: index.path), "\(options)")
        }
        // A manifest whose descriptor was edited by hand is refused by the commands that embed.
        #expect(try CLIRun.cbr(["index", "build", root.appendingPathComponent("data").path, "--index", index.path, "--pool", "gem"]).status == 0)
        let url = Manifest.url(in: index)
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"gem:3\"", with: "\"gem:99\"")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let run = try CLIRun.cbr(["classify", TestData.photo("coffee.png").path, "--index", index.path])
        #expect(run.status == 2 && run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("descriptor"), "\(run.stderr)")
    }
}
