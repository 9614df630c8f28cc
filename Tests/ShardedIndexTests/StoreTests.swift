import Foundation
import Testing
import ShardedIndex
import TestSupport

@Suite("Index storage: shards, manifest, writer, reader")
struct StoreTests {
    /// Writes `data` into a new index with shards of `rowsPerShard` rows, in irregular batches.
    static func build(_ data: SeededRows, dtype: ScalarType, rowsPerShard: Int, batch: Int = 7) throws -> URL {
        let dir = try TestData.temporaryDirectory("cbr-store").appendingPathComponent("index")
        let writer = try IndexWriter.create(at: dir, dimension: data.dimension, dtype: dtype,
                                            model: .init(name: "test-model", checksum: "sha256:00"),
                                            shardSizeLimit: rowsPerShard * data.dimension * dtype.byteWidth)
        try data.append(to: writer, range: 0..<data.count, batch: batch)
        try writer.finish()
        return dir
    }

    @Test("round trip across several shards", arguments: ScalarType.allCases, ShardedIndexReader.Mode.allCases)
    func roundTrip(dtype: ScalarType, mode: ShardedIndexReader.Mode) throws {
        let data = SeededRows(count: 103, dimension: 24, classes: 5, seed: 7)
        let dir = try Self.build(data, dtype: dtype, rowsPerShard: 10)
        let reader = try ShardedIndexReader(directory: dir, mode: mode)
        #expect(reader.manifest.shards.count == 11)
        #expect(reader.rowCount == 103 && reader.dimension == 24 && reader.dtype == dtype)
        #expect(reader.manifest.model == .init(name: "test-model", checksum: "sha256:00"))
        #expect(reader.classes.reduce(0) { $0 + $1.rows } == 103)
        let tolerance: Float = dtype == .float32 ? 1e-6 : 1e-3
        for maxRows in [1, 4, 10, 64, 1000] {
            let got = try Collected(reader, maxRows: maxRows)
            #expect(got.labels.count == 103)
            #expect(got.firstRows.first == 0)
            for r in 0..<data.count {
                let expected = data.normalizedRow(r)
                let stored = got.rows[(r * 24)..<((r + 1) * 24)]
                #expect(zip(expected, stored).allSatisfy { abs($0 - $1) <= tolerance }, "row \(r)")
                #expect(reader.classes[Int(got.labels[r])].name == data.classNames[r])
            }
        }
        #expect(try reader.allIDs() == data.ids)
        #expect(try reader.ids(ofRows: [102, 0, 55, 10, 9]) == ["img/102.jpg", "img/0.jpg", "img/55.jpg", "img/10.jpg", "img/9.jpg"])
    }

    @Test("empty shards are skipped and rows keep their global numbers")
    func emptyShards() throws {
        let data = SeededRows(count: 30, dimension: 8, classes: 3, seed: 11)
        let dir = try TestData.temporaryDirectory("cbr-store").appendingPathComponent("index")
        let writer = try IndexWriter.create(at: dir, dimension: 8, shardSizeLimit: 1 << 20)
        try writer.commit(allowEmpty: true)
        try data.append(to: writer, range: 0..<12, batch: 5)
        try writer.commit()
        try writer.commit(allowEmpty: true)
        try writer.commit(allowEmpty: true)
        try data.append(to: writer, range: 12..<30, batch: 30)
        try writer.finish()
        for mode in ShardedIndexReader.Mode.allCases {
            let reader = try ShardedIndexReader(directory: dir, mode: mode)
            #expect(reader.manifest.shards.map(\.rows) == [0, 12, 0, 0, 18])
            let got = try Collected(reader, maxRows: 5)
            #expect(got.labels.count == 30)
            #expect(mode == .inMemory || got.firstRows == [0, 5, 10, 12, 17, 22, 27])
            #expect(try reader.ids(ofRows: [11, 12, 29]) == ["img/11.jpg", "img/12.jpg", "img/29.jpg"])
            try reader.verify()
        }
        let empty = try IndexWriter.create(at: dir.deletingLastPathComponent().appendingPathComponent("empty"), dimension: 8)
        try empty.finish()
        let reader = try ShardedIndexReader(directory: empty.directory)
        #expect(reader.rowCount == 0)
        #expect(try Collected(reader, maxRows: 8).labels.isEmpty)
    }

    @Test("uncommitted rows and leftover files are invisible, then cleaned when a writer reopens the index")
    func leftoversAndResume() throws {
        let data = SeededRows(count: 50, dimension: 8, classes: 4, seed: 3)
        let dir = try TestData.temporaryDirectory("cbr-store").appendingPathComponent("index")
        do {
            let writer = try IndexWriter.create(at: dir, dimension: 8, shardSizeLimit: 10 * 8 * 4)
            try data.append(to: writer, range: 0..<35, batch: 35)  // 3 shards committed, 5 rows pending
            #expect(writer.pendingRows == 5)
            // A second writer on the same index is refused while this one lives.
            #expect { try IndexWriter.open(at: dir) } throws: { "\($0)".hasSuffix("another process is writing this index") }
        }  // dropped without finish: like a crash, the pending rows are lost
        let shards = dir.appendingPathComponent("shards")
        // Leftovers of a crash: a half-written shard, a complete shard the manifest never listed, a manifest temp.
        try Data("half".utf8).write(to: shards.appendingPathComponent("000003.h5.partial"))
        try FileManager.default.copyItem(at: shards.appendingPathComponent("000000.h5"), to: shards.appendingPathComponent("000007.h5"))
        try Data("{garbage".utf8).write(to: dir.appendingPathComponent(".manifest.json.tmp"))
        let reader = try ShardedIndexReader(directory: dir)
        #expect(reader.rowCount == 30)
        #expect(try reader.allIDs() == Array(data.ids[0..<30]))

        let writer = try IndexWriter.open(at: dir, shardSizeLimit: 10 * 8 * 4)
        #expect(try writer.committedIDs() == Set(data.ids[0..<30]))
        let left = try FileManager.default.contentsOfDirectory(atPath: shards.path).sorted()
        #expect(left == ["000000.h5", "000001.h5", "000002.h5"])
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".manifest.json.tmp").path))
        try data.append(to: writer, range: 30..<50, batch: 3)
        try writer.finish()
        let final = try ShardedIndexReader(directory: dir)
        #expect(try final.allIDs() == data.ids)
        #expect(final.manifest.shards.map(\.file).last == "shards/000004.h5")
    }

    @Test("the manifest is replaced atomically: no temporary left, and every commit is a complete manifest")
    func manifestAtomicity() throws {
        let data = SeededRows(count: 40, dimension: 4, classes: 2, seed: 5)
        let dir = try TestData.temporaryDirectory("cbr-store").appendingPathComponent("index")
        let writer = try IndexWriter.create(at: dir, dimension: 4, shardSizeLimit: 8 * 4 * 4)
        var generations: [Int] = []
        for start in stride(from: 0, to: 40, by: 8) {
            try data.append(to: writer, range: start..<(start + 8), batch: 8)
            let manifest = try Manifest.load(from: dir)
            generations.append(manifest.generation)
            #expect(manifest.rowCount == start + 8)
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            #expect(!names.contains { $0.hasSuffix(".tmp") || $0.hasSuffix(".partial") })
        }
        #expect(generations == generations.sorted() && Set(generations).count == generations.count)
    }

    @Test("prototypes are the normalized class means and follow added rows")
    func prototypes() throws {
        let data = SeededRows(count: 60, dimension: 6, classes: 4, seed: 9)
        let dir = try Self.build(data, dtype: .float32, rowsPerShard: 25)
        // Add more rows after the build: the prototypes must include them.
        let more = SeededRows(count: 20, dimension: 6, classes: 4, seed: 10)
        let writer = try IndexWriter.open(at: dir, shardSizeLimit: 25 * 6 * 4)
        try more.append(to: writer, range: 0..<20, batch: 6)
        try writer.commit()
        let reader = try ShardedIndexReader(directory: dir)
        let prototypes = try reader.prototypes()
        for entry in reader.classes {
            var mean = [Double](repeating: 0, count: 6)
            for set in [data, more] {
                for r in 0..<set.count where set.classNames[r] == entry.name {
                    for (i, v) in set.normalizedRow(r).enumerated() { mean[i] += Double(v) }
                }
            }
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let got = prototypes[(Int(entry.id) * 6)..<(Int(entry.id + 1) * 6)]
            #expect(zip(mean, got).allSatisfy { abs($0 / norm - Double($1)) < 1e-5 }, "class \(entry.name)")
        }
        #expect(try reader.prototypeSums().counts == reader.classes.map(\.rows))
    }

    @Test("a shard whose rows no longer match their checksum is a clear error", arguments: ShardedIndexReader.Mode.allCases)
    func corruptShard(mode: ShardedIndexReader.Mode) throws {
        let data = SeededRows(count: 40, dimension: 8, classes: 2, seed: 1)
        let dir = try Self.build(data, dtype: .float32, rowsPerShard: 16)
        try TestData.runPython("""
            import h5py, sys
            with h5py.File(sys.argv[1], "r+") as f:
                f["embeddings"][5, 3] = 0.25
            """, [dir.appendingPathComponent("shards/000001.h5").path])
        let shard = dir.appendingPathComponent("shards/000001.h5")
        func search() throws {
            let reader = try ShardedIndexReader(directory: dir, mode: mode)
            _ = try Collected(reader, maxRows: 7)
        }
        #expect {
            try search()
        } throws: { error in
            guard case .corruptShard(let url, let reason) = error as? IndexError else { return false }
            return url.path == shard.path && reason.contains("embeddings checksum")
        }
        // Without verification, the rows are read as they are.
        let unchecked = try ShardedIndexReader(directory: dir, mode: mode, verifyChecksums: false)
        #expect(try Collected(unchecked, maxRows: 7).rows[(21 * 8) + 3] == 0.25)
    }

    @Test("h5py reads a shard and gets the same rows, labels, ids and checksum", arguments: ScalarType.allCases)
    func h5pyReadsShards(dtype: ScalarType) throws {
        let data = SeededRows(count: 30, dimension: 16, classes: 3, seed: 21)
        let dir = try Self.build(data, dtype: dtype, rowsPerShard: 20)
        let reader = try ShardedIndexReader(directory: dir)
        let got = try Collected(reader, maxRows: 100)
        let output = try TestData.runPython("""
            import h5py, sys, zlib, json
            with h5py.File(sys.argv[1], "r") as f:
                e = f["embeddings"][:]
                print(json.dumps({
                    "dtype": str(e.dtype), "shape": list(e.shape),
                    "crc": "crc32:%08x" % zlib.crc32(e.tobytes()),
                    "attr": f.attrs["checksum"] if isinstance(f.attrs["checksum"], str) else f.attrs["checksum"].decode(),
                    "labels": f["labels"][:].tolist(),
                    "ids": [x.decode() if isinstance(x, bytes) else x for x in f["ids"][:]],
                    "rows": e.astype("float64").ravel().tolist(),
                }))
            """, [dir.appendingPathComponent("shards/000001.h5").path])
        struct Shard: Decodable { let dtype: String; let shape: [Int]; let crc: String; let attr: String
                                  let labels: [Int32]; let ids: [String]; let rows: [Double] }
        let shard = try JSONDecoder().decode(Shard.self, from: Data(output.utf8))
        #expect(shard.dtype == dtype.rawValue)
        #expect(shard.shape == [10, 16])
        #expect(shard.crc == shard.attr && shard.crc == reader.manifest.shards[1].checksum)
        #expect(shard.labels == Array(got.labels[20..<30]))
        #expect(shard.ids == Array(data.ids[20..<30]))
        #expect(shard.rows.map(Float.init) == Array(got.rows[(20 * 16)..<(30 * 16)]))
    }

    @Test("remove masks a class without rewriting; compact drops its rows and keeps the others")
    func removeAndCompact() throws {
        let data = SeededRows(count: 90, dimension: 8, classes: 3, seed: 17)
        let dir = try Self.build(data, dtype: .float16, rowsPerShard: 20)
        let before = try ShardedIndexReader(directory: dir)
        let reference = try Collected(before, maxRows: 1000)
        let filesBefore = before.manifest.shards.map(\.file)
        let writer = try IndexWriter.open(at: dir, shardSizeLimit: 20 * 8 * 2)
        try writer.removeClass(named: "class-1")
        #expect(throws: IndexError.unknownClass("class-1")) { try writer.removeClass(named: "class-1") }
        let removed = try ShardedIndexReader(directory: dir)
        let id = Int(before.manifest.classID(named: "class-1")!)
        #expect(removed.removedMask[id] && removed.removedMask.filter { $0 }.count == 1)
        #expect(removed.manifest.shards.map(\.file) == filesBefore && removed.rowCount == 90)

        try writer.compact()
        let after = try ShardedIndexReader(directory: dir, mode: .inMemory)
        let kept = (0..<90).filter { data.classNames[$0] != "class-1" }
        #expect(after.rowCount == kept.count)
        #expect(try after.allIDs() == kept.map { data.ids[$0] })
        let got = try Collected(after, maxRows: 1000)
        #expect(!got.labels.contains(Int32(id)))
        #expect(after.classes[id].removed && after.classes[id].rows == 0)
        #expect(try after.prototypeSums().counts[id] == 0)
        for (position, r) in kept.enumerated() {
            #expect(got.rows[(position * 8)..<((position + 1) * 8)] == reference.rows[(r * 8)..<((r + 1) * 8)])
        }
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("shards").path)
        #expect(Set(onDisk.map { "shards/" + $0 }) == Set(after.manifest.shards.map(\.file)))
        // The same name can come back as a new class.
        try data.append(to: writer, range: 0..<3, batch: 3)
        try writer.finish()
        let again = try ShardedIndexReader(directory: dir)
        #expect(again.classes.filter { $0.name == "class-1" }.count == (data.classNames[0..<3].contains("class-1") ? 2 : 1))
    }
}
