import Foundation
import Pipeline
import ShardedIndex
import Testing
import TestSupport

/// `index add` over a folder already indexed: unchanged files are skipped, changed ones counted, and with
/// `--replace` embedded again with their old rows dropped (real photos, real weights).
@Suite(.serialized) struct ReplaceTests {
    private static let photos = Result { try AugmentedPhotos.make(perClass: 3, queries: 1) }

    /// Two classes × 3 views copied to a fresh folder, and an index of it.
    private static func indexed(_ name: String) throws -> (data: URL, index: URL) {
        let root = try photos.get()
        let base = try TestData.temporaryDirectory(name)
        let data = base.appendingPathComponent("data"), index = base.appendingPathComponent("index")
        for label in ["chelsea", "coffee"] {
            try FileManager.default.copyItem(at: root.appendingPathComponent("train/\(label)"), to: data.appendingPathComponent(label))
        }
        let build = try CLIRun.cbr(["index", "build", data.path, "--index", index.path])
        #expect(build.status == 0, "\(build.stderr)")
        return (data, index)
    }

    /// Overwrites `file` with another photo's bytes (a held-out view of the same class).
    private static func change(_ file: URL, to label: String) throws {
        try FileManager.default.removeItem(at: file)
        try FileManager.default.copyItem(at: try photos.get().appendingPathComponent("query/\(label)/v0.jpg"), to: file)
    }

    /// `<bytes>:<sha256>` of `file`, by coreutils' sha256sum (not the engine's own code).
    private static func fingerprint(_ file: URL) throws -> String {
        let run = try CLIRun.run(executable: "/usr/bin/sha256sum", [file.path])
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        return "\(size):" + (run.stdout.split(separator: " ").first.map(String.init) ?? "")
    }

    private static func rows(_ index: URL, _ id: String) throws -> [CommittedRow] {
        try IndexWriter.open(at: index).committedRows(withIDs: [id])[id] ?? []
    }

    @Test func unchangedFilesAreSkippedChangedOnesCountedThenReplaced() throws {
        let (data, index) = try Self.indexed("replace")
        let file = data.appendingPathComponent("chelsea/v0.jpg")
        #expect(try Self.rows(index, "chelsea/v0.jpg").map(\.source) == [try Self.fingerprint(file)])

        let again = try CLIRun.cbr(["index", "add", data.path, "--index", index.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("indexed 0 images (6 already in the index)"), "\(again.stdout)")

        try Self.change(file, to: "chelsea")
        let before = try Manifest.load(from: index)
        let counted = try CLIRun.cbr(["index", "add", data.path, "--index", index.path])
        #expect(counted.status == 0, "\(counted.stderr)")
        #expect(counted.stdout.contains("(5 already in the index)"), "\(counted.stdout)")
        #expect(counted.stdout.contains("1 changed since indexed"), "\(counted.stdout)")
        #expect(try Manifest.load(from: index).shards == before.shards)

        let replaced = try CLIRun.cbr(["index", "add", data.path, "--index", index.path, "--replace"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(replaced.stdout.contains("indexed 1 images (5 already in the index, 1 replaced)"), "\(replaced.stdout)")
        let after = try ShardedIndexReader(directory: index)
        #expect(after.rowCount == 6)
        #expect(Set(try after.allIDs()).count == 6)
        #expect(after.manifest.classes.first { $0.name == "chelsea" }?.rows == 3)
        #expect(try Self.rows(index, "chelsea/v0.jpg").map(\.source) == [try Self.fingerprint(file)])
        try after.verify()
        // The new row is the new photo's embedding: the photo's nearest indexed image is itself, at cosine 1.
        let search = try CLIRun.cbr(["classify", file.path, "--index", index.path, "--explain", "1", "--format", "jsonl"])
        #expect(search.status == 0, "\(search.stderr)")
        let answer = try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [String: Any]
        let best = ((answer?["predictions"] as? [[String: Any]])?.first?["neighbors"] as? [[String: Any]])?.first
        #expect(best?["id"] as? String == "chelsea/v0.jpg", "\(search.stdout)")
        #expect((best?["score"] as? Double ?? 0) > 0.9999, "\(search.stdout)")

        let settled = try CLIRun.cbr(["index", "add", data.path, "--index", index.path, "--replace"])
        #expect(settled.stdout.contains("indexed 0 images (6 already in the index)"), "\(settled.stdout)")
    }

    @Test func aRunKilledBetweenCommitAndDropIsSettledByTheNextReplace() throws {
        let (data, index) = try Self.indexed("replace-killed")
        let file = data.appendingPathComponent("coffee/v1.jpg")
        let old = try Self.rows(index, "coffee/v1.jpg")
        try Self.change(file, to: "coffee")
        // What a `--replace` run killed after committing the new row leaves: both rows under one id.
        do {  // the writer (and its lock) ends with this scope
            let writer = try IndexWriter.open(at: index)
            let row = [Float](repeating: 0.5, count: writer.manifest.dimension)
            try row.withUnsafeBufferPointer {
                try writer.append(rows: $0, classIDs: [writer.classID(for: "coffee")], ids: ["coffee/v1.jpg"],
                                  sources: [try Self.fingerprint(file)])
            }
            try writer.finish()
        }
        #expect(try Manifest.load(from: index).rowCount == 7)

        let plain = try CLIRun.cbr(["index", "add", data.path, "--index", index.path])
        #expect(plain.status == 0 && plain.stdout.contains("(6 already in the index)"), "\(plain.stdout)\(plain.stderr)")
        #expect(try Manifest.load(from: index).rowCount == 7)

        let settled = try CLIRun.cbr(["index", "add", data.path, "--index", index.path, "--replace"])
        #expect(settled.status == 0, "\(settled.stderr)")
        #expect(settled.stdout.contains("indexed 0 images (6 already in the index)"), "\(settled.stdout)")
        let rows = try Self.rows(index, "coffee/v1.jpg")
        #expect(rows.map(\.source) == [try Self.fingerprint(file)] && rows.map(\.source) != old.map(\.source))
        let after = try ShardedIndexReader(directory: index)
        #expect(after.rowCount == 6 && after.manifest.classes.first { $0.name == "coffee" }?.rows == 3)
        try after.verify()
    }

    @Test func aChangedFileThatNoLongerDecodesKeepsItsOldRow() throws {
        let (data, index) = try Self.indexed("replace-broken")
        let file = data.appendingPathComponent("coffee/v2.jpg")
        let old = try Self.rows(index, "coffee/v2.jpg")
        try Data("not a photo any more".utf8).write(to: file)
        let run = try CLIRun.cbr(["index", "add", data.path, "--index", index.path, "--replace"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("coffee/v2.jpg"), "\(run.stderr)")
        #expect(try Self.rows(index, "coffee/v2.jpg") == old)
        #expect(try Manifest.load(from: index).rowCount == 6)
    }
}
