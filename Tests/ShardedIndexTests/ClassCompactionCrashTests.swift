import Foundation
import ShardedIndex
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Kills `cbr index compact --by-class` with SIGKILL at random moments: after each kill the index is the
/// old one or the new one (every live row exactly once, equal to its source row), and a last run completes.
@Suite("Crash safety of the compaction by class", .serialized)
struct ClassCompactionCrashTests {
    @Test("SIGKILL during compact --by-class at random points: the old or the new index, every row once")
    func killCompactByClass() throws {
        let dir = try TestData.temporaryDirectory("cbr-crash-by-class")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (fbin, labels, data) = try CrashTests.source(in: dir)
        let index = dir.appendingPathComponent("index")
        #expect(try CrashTests.importProcess(fbin, labels, index).wait() == 0)
        let remove = try CrashTests.start(["index", "remove", "--class", "class-8", "--index", index.path])
        #expect(remove.wait() == 0)
        let expected = Set((0..<CrashTests.rows).filter { data.classNames[$0] != "class-8" }.map { String($0) })
        #expect(Set(try CrashTests.liveIDs(index)) == expected)

        let copy = dir.appendingPathComponent("copy")
        try FileManager.default.copyItem(at: index, to: copy)
        let started = Date()
        #expect(try CrashTests.start(["index", "compact", "--by-class", "--index", copy.path]).wait() == 0)
        let duration = Date().timeIntervalSince(started)

        var generator = SystemRandomNumberGenerator()
        var outcomes: [String] = []
        for _ in 0..<10 {
            let process = try CrashTests.start(["index", "compact", "--by-class", "--index", index.path])
            usleep(useconds_t(Double.random(in: 0.01...max(0.02, duration * 0.9), using: &generator) * 1e6))
            process.kill()
            process.wait()
            // Either state: every live row once (CrashTests.check compares each with its source row).
            let live = try CrashTests.liveIDs(index)
            #expect(live.count == expected.count && Set(live) == expected)
            #expect(try CrashTests.check(index, data) >= expected.count)
            let reader = try ShardedIndexReader(directory: index)
            outcomes.append(reader.manifest.byClass == nil ? "old" : "new")
            if reader.manifest.byClass != nil { break }
        }
        let last = try CrashTests.start(["index", "compact", "--by-class", "--index", index.path])
        #expect(last.wait() == 0)
        let reader = try ShardedIndexReader(directory: index)
        #expect(reader.manifest.byClass != nil)
        #expect(Set(try reader.allIDs()) == expected && reader.rowCount == expected.count)
        let stored = try Collected(reader, maxRows: 4096).labels
        #expect(stored == stored.sorted())
        // Leftovers of the killed runs are gone once a writer has opened the index.
        let files = try FileManager.default.contentsOfDirectory(atPath: index.appendingPathComponent("shards").path)
        #expect(Set(files.map { "shards/" + $0 }) == Set(reader.manifest.shards.map(\.file)))
        let top = try FileManager.default.contentsOfDirectory(atPath: index.path).filter { $0.hasPrefix("classes-") }
        #expect(top == [reader.manifest.byClass!.file])
        print("compact --by-class crash test: state after each kill: \(outcomes)")
    }
}
