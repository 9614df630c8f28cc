import Foundation
import Testing
import ShardedIndex
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Kills `cbr index import` (the release binary) with SIGKILL at random moments, reopens the index after
/// each kill, and resumes: every committed row must be there exactly once, equal to its source row, and the
/// last resume must complete the set exactly.
@Suite("Crash safety of the index writer", .serialized)
struct CrashTests {
    static let rows = 20_000, dimension = 32

    /// Writes the source `.fbin` and a labels file; returns their paths.
    static func source(in dir: URL) throws -> (fbin: URL, labels: URL, data: SeededRows) {
        let data = SeededRows(count: rows, dimension: dimension, classes: 50, seed: 42)
        var bytes = Data()
        for word in [UInt32(rows), UInt32(dimension)] { withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) } }
        data.rows.withUnsafeBufferPointer { bytes.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        let fbin = dir.appendingPathComponent("source.fbin")
        let labels = dir.appendingPathComponent("labels.txt")
        try bytes.write(to: fbin)
        try (data.classNames.joined(separator: "\n") + "\n").write(to: labels, atomically: true, encoding: .utf8)
        return (fbin, labels, data)
    }

    static func importProcess(_ fbin: URL, _ labels: URL, _ index: URL) throws -> ChildProcess {
        // 128 rows per shard: hundreds of commits, so that kills land in every phase of one.
        try start(["index", "import", fbin.path, "--labels", labels.path, "--index", index.path,
                   "--shard-rows", "128", "--read-rows", "500", "--resume"])
    }

    /// Checks the committed state: rows exactly once, equal to the source. Returns the committed count.
    static func check(_ index: URL, _ data: SeededRows) throws -> Int {
        guard FileManager.default.fileExists(atPath: Manifest.url(in: index).path) else { return 0 }
        let reader = try ShardedIndexReader(directory: index, mode: .inMemory)
        let ids = try reader.allIDs()
        #expect(Set(ids).count == ids.count, "a committed row appears twice")
        let got = try Collected(reader, maxRows: 4096)
        #expect(got.labels.count == ids.count)
        for (position, id) in ids.enumerated() {
            let r = Int(id)!
            let expected = data.normalizedRow(r)
            let stored = got.rows[(position * dimension)..<((position + 1) * dimension)]
            guard zip(expected, stored).allSatisfy({ abs($0 - $1) <= 1e-6 }),
                  reader.classes[Int(got.labels[position])].name == data.classNames[r] else {
                Issue.record("row \(position) (id \(id)) differs from its source row")
                break
            }
        }
        return ids.count
    }

    @Test("SIGKILL at 12 random points, reopen, resume: every row exactly once")
    func killAndResume() throws {
        let dir = try TestData.temporaryDirectory("cbr-crash")
        let (fbin, labels, data) = try Self.source(in: dir)
        // Time one uninterrupted import, to spread the kills over the run.
        let reference = dir.appendingPathComponent("reference")
        let started = Date()
        let full = try Self.importProcess(fbin, labels, reference)
        #expect(full.wait() == 0)
        let duration = Date().timeIntervalSince(started)
        #expect(try Self.check(reference, data) == Self.rows)

        let index = dir.appendingPathComponent("index")
        var committed: [Int] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<12 {
            let process = try Self.importProcess(fbin, labels, index)
            let delay = Double.random(in: 0.02...max(0.05, duration / 8), using: &generator)
            usleep(useconds_t(delay * 1e6))
            process.kill()
            process.wait()
            let count = try Self.check(index, data)
            #expect(count >= (committed.last ?? 0), "a kill lost committed rows")
            committed.append(count)
        }
        let last = try Self.importProcess(fbin, labels, index)
        #expect(last.wait() == 0)
        #expect(try Self.check(index, data) == Self.rows)
        let reader = try ShardedIndexReader(directory: index)
        #expect(try Set(reader.allIDs()) == Set((0..<Self.rows).map { String($0) }))
        // Leftovers were cleaned: only listed shards remain.
        let files = try FileManager.default.contentsOfDirectory(atPath: index.appendingPathComponent("shards").path)
        #expect(Set(files.map { "shards/" + $0 }) == Set(reader.manifest.shards.map(\.file)))
        // Most kills hit a run in progress (not before its first commit, not after its end).
        #expect(committed.filter { $0 > 0 && $0 < Self.rows }.count >= 4, "kills at \(committed)")
        print("crash test: rows committed at each kill: \(committed)")
        try? FileManager.default.removeItem(at: dir)
    }

    /// Runs `cbr` with `arguments` in the background.
    static func start(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(TestData.cbrBinary.path, arguments)
    }

    /// The live (not removed) ids of the index, each checked to appear once.
    static func liveIDs(_ index: URL) throws -> [String] {
        let reader = try ShardedIndexReader(directory: index, mode: .inMemory)
        let ids = try reader.allIDs()
        let labels = try Collected(reader, maxRows: 4096).labels
        return zip(ids, labels).filter { !reader.removedMask[Int($0.1)] }.map(\.0)
    }

    @Test("SIGKILL during compact at random points: the index is always the old or the new one")
    func killCompact() throws {
        let dir = try TestData.temporaryDirectory("cbr-crash-compact")
        let (fbin, labels, data) = try Self.source(in: dir)
        let index = dir.appendingPathComponent("index")
        let build = try Self.importProcess(fbin, labels, index)
        #expect(build.wait() == 0)
        let removedNames = ["class-3", "class-17", "class-41"]
        let remove = try Self.start(["index", "remove"] + removedNames.flatMap { ["--class", $0] } + [index.path])
        #expect(remove.wait() == 0)
        let expected = (0..<Self.rows).filter { !removedNames.contains(data.classNames[$0]) }.map { String($0) }
        #expect(try Self.liveIDs(index) == expected)

        // Time one compaction of a copy, to spread the kills over it.
        let copy = dir.appendingPathComponent("copy")
        try FileManager.default.copyItem(at: index, to: copy)
        let started = Date()
        let timed = try Self.start(["index", "compact", copy.path])
        let timedStatus = timed.wait()
        let duration = Date().timeIntervalSince(started)
        #expect(timedStatus == 0)

        var generator = SystemRandomNumberGenerator()
        var outcomes: [Int] = []
        for _ in 0..<10 {
            let process = try Self.start(["index", "compact", index.path])
            usleep(useconds_t(Double.random(in: 0.01...max(0.02, duration * 0.9), using: &generator) * 1e6))
            process.kill()
            process.wait()
            #expect(try Self.liveIDs(index) == expected)
            let reader = try ShardedIndexReader(directory: index)
            outcomes.append(reader.rowCount)
            if reader.rowCount == expected.count { break }  // the switch happened: nothing left to interrupt
        }
        let last = try Self.start(["index", "compact", index.path])
        #expect(last.wait() == 0)
        let reader = try ShardedIndexReader(directory: index)
        #expect(reader.rowCount == expected.count)
        #expect(try reader.allIDs() == expected)
        let files = try FileManager.default.contentsOfDirectory(atPath: index.appendingPathComponent("shards").path)
        #expect(Set(files.map { "shards/" + $0 }) == Set(reader.manifest.shards.map(\.file)))
        print("compact crash test: row counts after each kill: \(outcomes)")
        try? FileManager.default.removeItem(at: dir)
    }
}
