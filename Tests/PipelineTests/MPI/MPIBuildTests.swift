import Foundation
import ShardedIndex
import Testing
import TestSupport

/// `cbr-mpi index build` under a real `mpirun` (loopback, oversubscribed on 2 cores): the index equals
/// `cbr index build`'s, and a rank SIGKILLed at random moments leaves an index that `--resume`, on another
/// number of ranks, completes with every image exactly once.
@Suite("cbr-mpi: index build, add, resume", .serialized, .enabled(if: TestData.mpiBuilt, "built with CBR_NO_MPI=1"))
struct MPIBuildTests {
    static let flags = ["--batch", "4", "--shard-rows", "5", "--threads", "1"]

    @Test("np 1, 2, 3: the index of cbr index build; the bad file listed once, by the rank that met it",
          arguments: [1, 2, 3])
    func buildEqualsSingleProcess(ranks: Int) throws {
        let (train, expected, broken) = try DistributedBuildTests.photos()
        let root = train.deletingLastPathComponent()
        let reference = root.appendingPathComponent("reference"), index = root.appendingPathComponent("index")
        let single = try CLIRun.cbr(["index", "build", train.path, "--index", reference.path] + Self.flags)
        #expect(single.status == 1, "\(single.stderr)")
        let run = try CLIRun.mpi(ranks: ranks, ["index", "build", train.path, "--index", index.path] + Self.flags)
        #expect(run.status == 1, "\(run.stderr)")
        try DistributedBuildTests.expectSame(index, as: reference)
        #expect(try ShardedIndexReader(directory: index).allIDs().sorted() == expected)
        // One summary (rank 0's, with the totals); the bad file once on stderr, prefixed by its rank.
        #expect(run.stdout.components(separatedBy: "indexed \(expected.count) images").count == 2, "\(run.stdout)")
        #expect(run.stdout.contains("skipped 1 (listed on stderr)"))
        let lines = run.stderr.split(separator: "\n").filter { $0.contains(broken) }
        #expect(lines.count == 1, "\(run.stderr)")
        if ranks > 1 { #expect(lines.first?.hasPrefix("cbr-mpi: rank ") == true, "\(run.stderr)") }
    }

    @Test("np 3 on two photos (a rank with nothing to do), float16 shards: the index of cbr index build")
    func fewerImagesThanRanksFloat16() throws {
        let root = try TestData.temporaryDirectory("cbr-mpi-few")
        let data = root.appendingPathComponent("data/cat")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for name in ["chelsea.png", "coffee.png"] {
            try FileManager.default.copyItem(at: TestData.photo(name), to: data.appendingPathComponent(name))
        }
        let reference = root.appendingPathComponent("reference"), index = root.appendingPathComponent("index")
        let arguments = [root.appendingPathComponent("data").path, "--dtype", "float16"] + Self.flags
        let single = try CLIRun.cbr(["index", "build", "--index", reference.path] + arguments)
        let run = try CLIRun.mpi(ranks: 3, ["index", "build", "--index", index.path] + arguments)
        #expect(single.status == 0 && run.status == 0, "\(run.stderr)")
        #expect(try Manifest.load(from: index).dtype == .float16)
        try DistributedBuildTests.expectSame(index, as: reference)
    }

    @Test("np 2 with a descriptor (gem, flip, two scales): the index of cbr index build, recipe recorded")
    func descriptorRecipe() throws {
        let root = try TestData.temporaryDirectory("cbr-mpi-descriptor")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data/cat")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for name in ["chelsea.png", "coffee.png", "astronaut.png"] {
            try FileManager.default.copyItem(at: TestData.photo(name), to: data.appendingPathComponent(name))
        }
        let reference = root.appendingPathComponent("reference"), index = root.appendingPathComponent("index")
        let arguments = [root.appendingPathComponent("data").path, "--pool", "gem:2", "--flip", "--scales", "1,0.75"] + Self.flags
        let single = try CLIRun.cbr(["index", "build", "--index", reference.path] + arguments)
        let run = try CLIRun.mpi(ranks: 2, ["index", "build", "--index", index.path] + arguments)
        #expect(single.status == 0 && run.status == 0, "\(run.stderr)")
        #expect(try Manifest.load(from: index).descriptor == Manifest.Descriptor(pooling: "gem:2", flip: true, scales: [1, 0.75]))
        try DistributedBuildTests.expectSame(index, as: reference)
        // Resuming on another number of ranks with another descriptor is refused by rank 0, in one line.
        let other = try CLIRun.mpi(ranks: 2, ["index", "build", "--index", index.path, "--resume"] + arguments.prefix(1) + Self.flags + ["--pool", "avg"])
        #expect(other.status == 2 && other.stderr.contains("descriptor gem:2"), "\(other.stderr)")
    }

    @Test("index add on 3 ranks appends the new classes as cbr index add does")
    func addEqualsSingleProcess() throws {
        let (train, _, _) = try DistributedBuildTests.photos()
        let root = train.deletingLastPathComponent()
        let half = try DistributedBuildTests.firstHalf(of: train)
        let classes = try AugmentedPhotos.classNames()
        let reference = root.appendingPathComponent("reference"), index = root.appendingPathComponent("index")
        for target in [reference, index] {
            _ = try CLIRun.cbr(["index", "build", half.path, "--index", target.path] + Self.flags)
        }
        let single = try CLIRun.cbr(["index", "add", train.path, "--index", reference.path] + Self.flags)
        let run = try CLIRun.mpi(ranks: 3, ["index", "add", train.path, "--index", index.path] + Self.flags)
        #expect(single.status == 1 && run.status == 1, "\(run.stderr)")
        #expect(try Manifest.load(from: index).classes.map(\.name) == classes)
        try DistributedBuildTests.expectSame(index, as: reference)
    }

    /// The `cbr-mpi` processes `mpirun` (process `parent`) started: its children, from /proc.
    static func ranks(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> pid_t? in
            guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.range(of: ")", options: .backwards) else { return nil }
            // pid (comm) state ppid …
            let fields = stat[close.upperBound...].split(separator: " ")
            guard fields.count > 1, pid_t(fields[1]) == parent, stat.contains("(cbr-mpi)") else { return nil }
            return pid
        }
    }

    @Test("a rank SIGKILLed at random moments, at least 5 times, then --resume on 2 ranks: every image exactly once")
    func killedRanksThenResume() throws {
        let root = try AugmentedPhotos.make(perClass: 6, queries: 0)
        let train = root.appendingPathComponent("train")
        let expected = try AugmentedPhotos.classNames().flatMap { c in (0..<6).map { "\(c)/v\($0).jpg" } }.sorted()
        let reference = root.appendingPathComponent("reference"), index = root.appendingPathComponent("index")
        let arguments = ["index", "build", train.path, "--index", index.path, "--resume", "--batch", "4", "--shard-rows", "3", "--threads", "1"]
        let clock = Date()
        let single = try CLIRun.cbr(["index", "build", train.path, "--index", reference.path] + Self.flags)
        #expect(single.status == 0, "\(single.stderr)")
        let whole = Date().timeIntervalSince(clock)
        var generator = SystemRandomNumberGenerator()
        var killed = 0, attempts = 0
        while killed < 5 && attempts < 20 {
            attempts += 1
            let running = try CLIRun.startMPI(ranks: 3, arguments)
            // Somewhere from start-up (model loading) to about where one process would be done.
            usleep(UInt32.random(in: 300_000...max(400_000, UInt32(whole * 1_000_000)), using: &generator))
            var victim: pid_t?
            if running.child.isRunning, let pid = Self.ranks(of: running.child.pid).randomElement(using: &generator) {
                kill(pid, SIGKILL)
                victim = pid
            }
            let outcome = running.finish()
            if FileManager.default.fileExists(atPath: Manifest.url(in: index).path) {
                let ids = try ShardedIndexReader(directory: index).allIDs()
                #expect(Set(ids).count == ids.count, "an image twice after a kill")
                #expect(Set(ids).isSubset(of: expected))
            }
            if victim != nil, outcome.status != 0 {
                killed += 1
                #expect(outcome.stderr.contains("cbr-mpi") || outcome.stderr.contains("mpirun") || outcome.stderr.contains("signal"),
                        "\(outcome.stderr)")
            } else {
                // It got to the end first: complete, then start again from nothing for the next kill.
                #expect(outcome.status == 0, "\(outcome.stderr)")
                #expect(try ShardedIndexReader(directory: index).allIDs().sorted() == expected)
                try FileManager.default.removeItem(at: index)
            }
        }
        #expect(killed >= 5, "only \(killed) kills landed in \(attempts) runs")
        let last = try CLIRun.mpi(ranks: 2, arguments)
        #expect(last.status == 0, "\(last.stderr)")
        #expect(try ShardedIndexReader(directory: index).allIDs().sorted() == expected)
        try DistributedBuildTests.expectSame(index, as: reference)
        let shards = try FileManager.default.contentsOfDirectory(atPath: index.appendingPathComponent("shards").path)
        #expect(Set(shards.map { "shards/" + $0 }) == Set(try Manifest.load(from: index).shards.map(\.file)))
    }
}
