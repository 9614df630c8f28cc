import Foundation
import ShardedIndex
import Testing
import TestSupport

/// A write that fails half way (a full disk) ends the command with one line and exit code 2, and the index
/// stays as it was. The limit on file size (`CLIRun`'s `fileSizeBlocks`) makes every write past it fail
/// with EFBIG, the way a full disk fails with ENOSPC; the shard being written is the first file to hit it.
/// Before the fix, libhdf5's exit handler crashed (SIGSEGV in H5D_close) on the half-closed shard.
@Suite struct FileSizeLimitTests {
    @Test func indexAddThatCannotWriteItsShardFailsCleanlyAndLosesNothing() throws {
        let root = try TestData.temporaryDirectory("full-disk")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        let first = root.appendingPathComponent("first")
        let more = root.appendingPathComponent("more")
        for (folder, photo) in [(first.appendingPathComponent("cat"), "chelsea.png"),
                                (first.appendingPathComponent("drink"), "coffee.png"),
                                (more.appendingPathComponent("space"), "rocket.jpg"),
                                (more.appendingPathComponent("space"), "astronaut.png")] {
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            try fm.copyItem(at: TestData.photo(photo), to: folder.appendingPathComponent(photo))
        }
        let original = root.appendingPathComponent("original")
        let build = try CLIRun.cbr(["index", "build", first.path, "--index", original.path])
        #expect(build.status == 0, "\(build.stderr)")
        let before = try ShardedIndexReader(directory: original).allIDs().sorted()

        // The size of the shard the add writes, from an add without a limit.
        let unlimited = root.appendingPathComponent("unlimited")
        try fm.copyItem(at: original, to: unlimited)
        let add = try CLIRun.cbr(["index", "add", more.path, "--index", unlimited.path])
        #expect(add.status == 0, "\(add.stderr)")
        let shard = unlimited.appendingPathComponent("shards/000001.h5")
        let shardBlocks = ((try fm.attributesOfItem(atPath: shard.path)[.size] as? Int) ?? 0) / 512
        #expect(shardBlocks > 8, "the new shard is \(shardBlocks) blocks")

        // File-size limits in 512-byte blocks, from "nothing fits" to "all but the end of the shard fits".
        for blocks in Set([1, 2] + [8, 4, 2].map { shardBlocks / $0 } + [shardBlocks - 1]).sorted() where blocks >= 1 {
            let index = root.appendingPathComponent("index-\(blocks)")
            try fm.copyItem(at: original, to: index)
            let run = try CLIRun.cbr(["index", "add", more.path, "--index", index.path], fileSizeBlocks: blocks)
            #expect(run.status == 2, "limit \(blocks): status \(run.status), \(run.stderr)")
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 1, "limit \(blocks): \(run.stderr)")
            #expect(run.stderr.contains(index.path) && run.stderr.contains("File too large"), "\(run.stderr)")
            #expect(!run.stderr.contains("HDF5-DIAG"))
            let reader = try ShardedIndexReader(directory: index)
            try reader.verify()
            #expect(try reader.allIDs().sorted() == before, "limit \(blocks)")
        }
    }
}
