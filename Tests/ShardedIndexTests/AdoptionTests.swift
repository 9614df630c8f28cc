import Foundation
import Testing
import ShardedIndex
import TestSupport

/// Shards written by `DetachedShardWriter`s (one per rank of a distributed build) and listed by the owning
/// writer's `adopt`: the index equals one its own commits made, and a shard that is not what its entry
/// says — or not this run's — is refused with the index left as it was.
@Suite("Index storage: detached shards and adoption")
struct AdoptionTests {
    static let dimension = 24

    /// An index created for `data`'s classes (registered in first-appearance order, as `append` does).
    static func emptyIndex(_ data: SeededRows, dtype: ScalarType, rowsPerShard: Int) throws -> IndexWriter {
        let dir = try TestData.temporaryDirectory("cbr-adopt").appendingPathComponent("index")
        let writer = try IndexWriter.create(at: dir, dimension: data.dimension, dtype: dtype,
                                            shardSizeLimit: rowsPerShard * data.dimension * dtype.byteWidth)
        for name in data.classNames { _ = writer.classID(for: name) }
        return writer
    }

    /// A detached writer for rank `rank` of `size` on `writer`'s index.
    static func rankWriter(_ writer: IndexWriter, rank: Int, size: Int, classCount: Int? = nil) throws -> DetachedShardWriter {
        try DetachedShardWriter(directory: writer.directory, dimension: writer.manifest.dimension, dtype: writer.manifest.dtype,
                                classCount: classCount ?? writer.manifest.classes.count, rowsPerShard: writer.rowsPerShard,
                                first: writer.firstNewShard + rank, stride: size)
    }

    /// Appends rows `range` of `data` to `shards` in batches of 7; the entries of the shards completed.
    static func append(_ data: SeededRows, _ range: some Sequence<Int>, labels: (Int) -> Int32,
                       to shards: DetachedShardWriter) throws -> [Manifest.Shard] {
        var entries: [Manifest.Shard] = []
        let rows = Array(range)
        for start in stride(from: 0, to: rows.count, by: 7) {
            let batch = rows[start..<min(rows.count, start + 7)]
            let floats = batch.flatMap { data.rows[($0 * data.dimension)..<(($0 + 1) * data.dimension)] }
            entries += try floats.withUnsafeBufferPointer {
                try shards.append(rows: $0, classIDs: batch.map(labels), ids: batch.map { data.ids[$0] })
            }
        }
        return entries + [try shards.finish()].compactMap { $0 }
    }

    /// id → (class name, stored row as float32).
    static func contents(_ directory: URL) throws -> [String: (String, [Float])] {
        let reader = try ShardedIndexReader(directory: directory)
        let got = try Collected(reader, maxRows: 1000)
        let ids = try reader.allIDs()
        var out: [String: (String, [Float])] = [:]
        for (r, id) in ids.enumerated() {
            out[id] = (reader.classes[Int(got.labels[r])].name, Array(got.rows[(r * dimension)..<((r + 1) * dimension)]))
        }
        return out
    }

    @Test("three ranks' shards, adopted out of order, make the index one writer's commits make",
          arguments: ScalarType.allCases)
    func adoptedEqualsCommitted(dtype: ScalarType) throws {
        let data = SeededRows(count: 103, dimension: Self.dimension, classes: 5, seed: 11)
        let reference = try StoreTests.build(data, dtype: dtype, rowsPerShard: 10)
        let writer = try Self.emptyIndex(data, dtype: dtype, rowsPerShard: 10)
        let labels = { (r: Int) in writer.manifest.classID(named: data.classNames[r])! }
        var entries: [[Manifest.Shard]] = []
        for rank in 0..<3 {
            let shards = try Self.rankWriter(writer, rank: rank, size: 3)
            entries.append(try Self.append(data, stride(from: rank, to: data.count, by: 3), labels: labels, to: shards))
            #expect(entries[rank].map(\.file) == entries[rank].indices.map { String(format: "shards/%06d.h5", rank + 3 * $0) })
        }
        // Written but not adopted: the manifest lists nothing yet.
        #expect(try Manifest.load(from: writer.directory).shards.isEmpty)
        for entry in entries.reversed().flatMap({ $0 }) { try writer.adopt(entry) }
        try writer.finish()

        let adopted = try ShardedIndexReader(directory: writer.directory)
        try adopted.verify()
        let expected = try ShardedIndexReader(directory: reference)
        #expect(adopted.rowCount == data.count)
        #expect(adopted.classes == expected.classes)
        #expect(adopted.manifest.nextShard == entries.flatMap { $0 }.count)
        let (got, want) = (try Self.contents(writer.directory), try Self.contents(reference))
        #expect(got.count == data.count && Set(got.keys) == Set(want.keys))
        for (id, (name, row)) in want { #expect(got[id]?.0 == name && got[id]?.1 == row, "\(id)") }
        let tolerance: Float = 1e-5
        #expect(zip(try adopted.prototypes(), try expected.prototypes()).allSatisfy { abs($0 - $1) <= tolerance })
        // The prototypes file covers every adopted shard and agrees with the class table.
        #expect(Set(adopted.manifest.prototypes?.shards ?? []) == Set(adopted.manifest.shards.map(\.file)))
        #expect(try adopted.prototypeSums().counts == adopted.classes.map(\.rows))
    }

    @Test("adopt refuses a shard whose checksums, name, number or labels are wrong, and changes nothing")
    func adoptRefusesWrongShards() throws {
        let data = SeededRows(count: 40, dimension: Self.dimension, classes: 3, seed: 5)
        let writer = try Self.emptyIndex(data, dtype: .float32, rowsPerShard: 10)
        let labels = { (r: Int) in writer.manifest.classID(named: data.classNames[r])! }
        let good = try Self.append(data, 0..<20, labels: labels, to: try Self.rankWriter(writer, rank: 0, size: 2))
        // Rank 1's writer believes in one more class than the index has, and labels rows with it.
        let forged = try Self.append(data, 20..<30, labels: { _ in 3 },
                                     to: try Self.rankWriter(writer, rank: 1, size: 2, classCount: 4))
        try writer.adopt(good[0])
        let before = try Manifest.load(from: writer.directory)

        func refused(_ entry: Manifest.Shard, _ fragment: String, checkIDs: @escaping ([String]) throws -> Void = { _ in }) {
            do {
                try writer.adopt(entry, checkIDs: checkIDs)
                Issue.record("adopted \(entry.file) (\(fragment))")
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
                #expect("\(error)".split(separator: "\n").count == 1)
            }
        }
        var entry = good[1]
        entry.checksum = good[0].checksum
        refused(entry, "checksum")
        entry = good[1]
        entry.labelsChecksum = good[0].labelsChecksum
        refused(entry, "labels checksum")
        entry = good[1]
        entry.idsChecksum = good[0].idsChecksum
        refused(entry, "ids checksum")
        entry = good[1]
        entry.idsChecksum = nil
        refused(entry, "lacks a checksum")
        entry = good[1]
        entry.rows = 7
        refused(entry, "7 rows")
        // Another shard's file under this entry: its content is not what the entry describes.
        entry = good[1]
        entry.file = forged[0].file
        refused(entry, "checksum")
        for name in ["shards/0000002.h5", "shards/2.h5", "../manifest.json", "shards/000002.h5/../000002.h5", "prototypes-000001.h5"] {
            entry = good[1]
            entry.file = name
            refused(entry, "not a shard name")
        }
        refused(good[0], "already in the index")
        refused(forged[0], "outside the class table")
        refused(good[1], "not this run's") { _ in throw IndexError.badInput("not this run's") }

        #expect(try Manifest.load(from: writer.directory) == before)
        #expect(writer.manifest == before)
        try writer.adopt(good[1])
        #expect(try ShardedIndexReader(directory: writer.directory).rowCount == 20)
        // A writer with rows of its own pending would number its next shard among the adopted ones.
        try data.append(to: writer, range: 30..<31, batch: 1)
        refused(forged[0], "rows of its own")
    }

    /// `entry`'s file with the first occurrence of `pattern` changed in one bit, run through `body`, restored.
    static func damaged(_ file: URL, _ pattern: [UInt8], _ body: () throws -> Void) throws {
        let original = try Data(contentsOf: file)
        let found = try #require(original.range(of: Data(pattern)), "pattern not in \(file.lastPathComponent)")
        var copy = original
        copy[found.lowerBound + pattern.count / 2] ^= 0x04
        try copy.write(to: file)
        defer { try? original.write(to: file) }
        try body()
    }

    @Test("adopt reads the file back: a bit flipped in its embeddings, labels or ids is refused", arguments: ScalarType.allCases)
    func adoptRefusesDamagedFiles(dtype: ScalarType) throws {
        let data = SeededRows(count: 20, dimension: Self.dimension, classes: 3, seed: 9)
        let reference = try Collected(try ShardedIndexReader(directory: try StoreTests.build(data, dtype: dtype, rowsPerShard: 20)),
                                      maxRows: 20)
        let writer = try Self.emptyIndex(data, dtype: dtype, rowsPerShard: 20)
        let labels = { (r: Int) in writer.manifest.classID(named: data.classNames[r])! }
        let entry = try #require(try Self.append(data, 0..<20, labels: labels, to: try Self.rankWriter(writer, rank: 0, size: 1)).first)
        let file = writer.directory.appendingPathComponent(entry.file)
        // The stored bytes of row 3, the labels of rows 0...19, and id 13 (fixed-length, zero-padded).
        let row: [UInt8] = dtype == .float32
            ? reference.rows[(3 * Self.dimension)..<(4 * Self.dimension)].withUnsafeBytes { Array($0) }
            : reference.rows[(3 * Self.dimension)..<(4 * Self.dimension)].map(Float16.init).withUnsafeBytes { Array($0) }
        let labelBytes = (0..<20).map(labels).withUnsafeBytes { Array($0) }
        for (pattern, reason) in [(row, "embeddings checksum"), (labelBytes, "label"), (Array("img/13.jpg".utf8), "ids checksum")] {
            try Self.damaged(file, pattern) {
                do {
                    try writer.adopt(entry)
                    Issue.record("adopted a shard damaged in its \(reason)")
                } catch { #expect("\(error)".contains(reason), "\(error)") }
            }
        }
        #expect(try Manifest.load(from: writer.directory).shards.isEmpty)
        try writer.adopt(entry)
        try ShardedIndexReader(directory: writer.directory).verify()
    }

    @Test("reopened after a crash, the index cleans unadopted shards and refuses numbers before its run")
    func reopenedWriterRefusesEarlierNumbers() throws {
        let data = SeededRows(count: 30, dimension: Self.dimension, classes: 3, seed: 3)
        let directory: URL
        do {
            let writer = try Self.emptyIndex(data, dtype: .float32, rowsPerShard: 10)
            let labels = { (r: Int) in writer.manifest.classID(named: data.classNames[r])! }
            let first = try Self.append(data, 0..<20, labels: labels, to: try Self.rankWriter(writer, rank: 0, size: 2))
            _ = try Self.append(data, 20..<30, labels: labels, to: try Self.rankWriter(writer, rank: 1, size: 2))
            try writer.adopt(first[1])
            directory = writer.directory
        }
        // shards/000002.h5 is listed; 000000.h5 and 000001.h5 were never adopted.
        let reopened = try IndexWriter.open(at: directory)
        #expect(reopened.firstNewShard == 3)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("shards").path)
        #expect(files == ["000002.h5"])
        let labels = { (r: Int) in reopened.manifest.classID(named: data.classNames[r])! }
        let late = try Self.append(data, 0..<10, labels: labels, to: try Self.rankWriter(reopened, rank: 0, size: 1))
        #expect(late.map(\.file) == ["shards/000003.h5"])
        try FileManager.default.copyItem(at: directory.appendingPathComponent(late[0].file),
                                         to: directory.appendingPathComponent("shards/000001.h5"))
        var early = late[0]
        early.file = "shards/000001.h5"
        do {
            try reopened.adopt(early)
            Issue.record("adopted a shard numbered before the run")
        } catch { #expect("\(error)".contains("below this run's first new shard 3"), "\(error)") }
        try reopened.adopt(late[0])
        #expect(try ShardedIndexReader(directory: directory).allIDs().sorted() == data.ids[0..<20].sorted())
    }
}
