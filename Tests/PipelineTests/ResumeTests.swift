import Foundation
import ShardedIndex
import Testing
import TestSupport

@Suite struct ResumeTests {
    /// `cbr index build --resume` killed with SIGKILL at random moments, then run to the end, holds
    /// exactly the dataset's images, each once; every intermediate state is a readable index.
    @Test func resumeAfterKillsYieldsExactlyTheFullSet() throws {
        let root = try AugmentedPhotos.make(perClass: 3, queries: 0)
        let train = root.appendingPathComponent("train")
        let expected = try AugmentedPhotos.classNames().flatMap { c in (0..<3).map { "\(c)/v\($0).jpg" } }.sorted()
        let index = root.appendingPathComponent("index")
        let arguments = ["index", "build", train.path, "--index", index.path, "--resume",
                         "--batch", "4", "--shard-rows", "3", "--threads", "1"]
        var generator = SystemRandomNumberGenerator()
        var killed = 0
        // 72 images take about a second at one thread even on an idle machine: the first kill, at most
        // 0.5 s in, always lands; later runs are killed until one gets to the end by itself.
        for _ in 0..<12 {
            let running = try CLIRun.start(arguments)
            usleep(UInt32.random(in: 50_000...500_000, using: &generator))
            let finished = !running.child.isRunning
            if !finished {
                running.child.kill()
                killed += 1
            }
            _ = running.finish()
            if FileManager.default.fileExists(atPath: Manifest.url(in: index).path) {
                let reader = try ShardedIndexReader(directory: index)
                let ids = try reader.allIDs()
                #expect(Set(ids).count == ids.count, "duplicates after a kill")
                #expect(Set(ids).isSubset(of: expected))
            }
            if finished { break }
        }
        #expect(killed > 0)
        let last = try CLIRun.cbr(arguments)
        #expect(last.status == 0, "\(last.stderr)")
        let reader = try ShardedIndexReader(directory: index)
        #expect(try reader.allIDs().sorted() == expected)
        #expect(reader.rowCount == expected.count)
        try reader.verify()
        // Run again: nothing left to embed.
        let again = try CLIRun.cbr(arguments)
        #expect(again.status == 0)
        #expect(again.stdout.contains("indexed 0 images (\(expected.count) already in the index)"))
        #expect(try Manifest.load(from: index).rowCount == expected.count)
    }

    @Test func buildRefusesAnExistingIndexWithoutResume() throws {
        let root = try TestData.temporaryDirectory("existing")
        let data = root.appendingPathComponent("data/cat")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestData.photo("chelsea.png"), to: data.appendingPathComponent("c.png"))
        let index = root.appendingPathComponent("index").path
        let first = try CLIRun.cbr(["index", "build", root.appendingPathComponent("data").path, "--index", index])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try CLIRun.cbr(["index", "build", root.appendingPathComponent("data").path, "--index", index])
        #expect(second.status == 2)
        #expect(second.stderr.contains("already holds an index"))
    }
}
