import Embedder
import Foundation
import Pipeline
import ShardedIndex
import Testing
import TestSupport

/// `IndexBuilder` over several ranks (the in-process cluster): rank 0 plans and adopts, every rank embeds
/// its share of real photos into shard files of its own. The index equals a single-process build.
/// A protocol bug would leave a rank waiting forever: the time limit turns that into a failure.
@Suite(.timeLimit(.minutes(5))) struct DistributedBuildTests {
    /// Augmented photos (24 classes × 3 views) plus one file that is no image, in the first class.
    static func photos() throws -> (train: URL, expected: [String], broken: String) {
        let train = try AugmentedPhotos.make(perClass: 3, queries: 0).appendingPathComponent("train")
        let first = try #require(try AugmentedPhotos.classNames().first)
        let broken = train.appendingPathComponent(first).appendingPathComponent("zz-broken.jpg")
        try Data("not a JPEG".utf8).write(to: broken)
        let expected = try AugmentedPhotos.classNames().flatMap { c in (0..<3).map { "\(c)/v\($0).jpg" } }.sorted()
        return (train, expected, broken.path)
    }

    /// A dataset beside `train` holding the first half of its classes.
    static func firstHalf(of train: URL) throws -> URL {
        let half = train.deletingLastPathComponent().appendingPathComponent("half")
        try FileManager.default.createDirectory(at: half, withIntermediateDirectories: true)
        let classes = try AugmentedPhotos.classNames()
        for name in classes.prefix(classes.count / 2) {
            try FileManager.default.copyItem(at: train.appendingPathComponent(name), to: half.appendingPathComponent(name))
        }
        return half
    }

    static func options(_ mode: IndexBuilder.Mode, dtype: ScalarType, shardRows: Int) -> IndexBuilder.Options {
        IndexBuilder.Options(mode: mode, dtype: dtype, batchSize: 4, threads: 1, shardRows: shardRows)
    }

    /// `ranks` ranks build (`mode`) `data` into `index`; `prepare` may arm a rank before it runs.
    static func build(_ data: URL, into index: URL, ranks: Int, mode: IndexBuilder.Mode, dtype: ScalarType = .float32, shardRows: Int = 5,
                      prepare: @escaping @Sendable (InProcessCluster.Rank) -> Void = { _ in }) throws -> [IndexBuilder.Summary] {
        let dataset = try Dataset.open(folder: data.path, csv: nil, images: nil)
        return try InProcessCluster.run(size: ranks) { cluster in
            prepare(cluster as! InProcessCluster.Rank)
            return try IndexBuilder.run(dataset, index: index, model: nil, options: options(mode, dtype: dtype, shardRows: shardRows),
                                        cluster: cluster, progress: false)
        }
    }

    /// id → (class name, stored row).
    static func contents(_ index: URL) throws -> [String: (name: String, row: [Float])] {
        let reader = try ShardedIndexReader(directory: index)
        try reader.verify()
        let ids = try reader.allIDs()
        var out: [String: (name: String, row: [Float])] = [:]
        try reader.forEachBlock(maxRows: 1000) { block in
            let d = block.dimension
            for r in 0..<block.count {
                let row: [Float] = switch block.rows {
                case .float32(let rows): Array(rows[(r * d)..<((r + 1) * d)])
                case .float16(let rows): rows[(r * d)..<((r + 1) * d)].map(Float.init)
                }
                out[ids[block.firstRow + r]] = (reader.classes[Int(block.labels[r])].name, row)
            }
        }
        #expect(out.count == ids.count, "an id twice in \(index.lastPathComponent)")
        return out
    }

    /// Both indexes hold the same class table and the same ids with the same classes and rows (to `tolerance`:
    /// a rank's batches hold other images than one process's, and SGEMM's last bits follow the batch).
    static func expectSame(_ index: URL, as reference: URL, tolerance: Float = 1e-6) throws {
        let (a, b) = (try Manifest.load(from: index), try Manifest.load(from: reference))
        #expect(a.classes == b.classes)
        let (got, want) = (try contents(index), try contents(reference))
        #expect(Set(got.keys) == Set(want.keys))
        var largest: Float = 0
        for (id, expected) in want {
            guard let found = got[id] else { continue }
            #expect(found.name == expected.name, "\(id)")
            largest = max(largest, zip(found.row, expected.row).map { abs($0 - $1) }.max() ?? 0)
        }
        #expect(largest <= tolerance, "rows differ by \(largest)")
    }

    @Test func oneRankBuildsTheIndexTheWriterCommitsTodayWould() throws {
        let (train, expected, broken) = try Self.photos()
        let root = train.deletingLastPathComponent()
        let index = root.appendingPathComponent("index")
        let summary = try #require(try Self.build(train, into: index, ranks: 1, mode: .create).first)
        #expect(summary.indexed == expected.count && summary.rows == expected.count)
        #expect(summary.skipped.map(\.path) == [broken])
        #expect(summary.report.contains("skipped 1"))

        // Today's path: the same embedder, appended in dataset order to a writer that commits its shards.
        let dataset = try Dataset.open(folder: train.path, csv: nil, images: nil)
        let model = try EmbeddingModel.load(EmbeddingModel.defaultURL)
        let reference = root.appendingPathComponent("reference")
        let writer = try IndexWriter.create(at: reference, dimension: model.dimension, model: model.identity,
                                            shardSizeLimit: 5 * model.dimension * 4)
        try model.embedder(batchSize: 4, threads: 1).run(dataset.items.map(\.file.url)) { batch in
            let items = batch.indices.map { dataset.items[$0] }
            try batch.embeddings.withUnsafeBufferPointer {
                try writer.append(rows: $0, classNames: items.map { dataset.className(of: $0)! }, ids: items.map(\.key))
            }
        }
        try writer.finish()
        let (built, today) = (try Manifest.load(from: index), writer.manifest)
        // Same shard files (names, rows, checksums of rows, labels and ids), classes and prototypes; the build
        // also records each file's content fingerprint (`sources`), which a bare writer is not given.
        #expect(built.shards.allSatisfy { $0.sourcesChecksum != nil })
        #expect(built.shards.map { var s = $0; s.sourcesChecksum = nil; return s } == today.shards)
        #expect(built.classes == today.classes)
        #expect(built.nextShard == today.nextShard)
        #expect(built.prototypes?.checksum == today.prototypes?.checksum)
        try Self.expectSame(index, as: reference, tolerance: 0)
    }

    @Test(arguments: [2, 3]) func severalRanksBuildTheSingleProcessIndex(ranks: Int) throws {
        let (train, expected, broken) = try Self.photos()
        let root = train.deletingLastPathComponent()
        let single = root.appendingPathComponent("single"), index = root.appendingPathComponent("index")
        _ = try Self.build(train, into: single, ranks: 1, mode: .create)
        let summaries = try Self.build(train, into: index, ranks: ranks, mode: .create)
        try Self.expectSame(index, as: single)
        #expect(try ShardedIndexReader(directory: index).allIDs().sorted() == expected)
        // Rank 0 sums up; the broken file is listed once, by the rank that met it.
        let total = summaries[0]
        #expect(total.indexed == expected.count && total.rows == expected.count)
        #expect(total.classes == (try AugmentedPhotos.classNames().count))
        #expect(summaries.flatMap { $0.skipped.map(\.path) } == [broken])
        #expect(total.skipped.count + total.skippedOnOtherRanks == 1)
        #expect(total.report.contains("indexed \(expected.count) images") && total.report.contains("skipped 1"))
        // Every rank wrote shards; each file on disk is listed, and every listed shard is on disk.
        let manifest = try Manifest.load(from: index)
        let numbers = manifest.shards.compactMap { Int($0.file.dropFirst("shards/".count).dropLast(".h5".count)) }
        #expect(Set(numbers.map { $0 % ranks }) == Set(0..<ranks))
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: index.appendingPathComponent("shards").path)
        #expect(Set(onDisk.map { "shards/" + $0 }) == Set(manifest.shards.map(\.file)))
    }

    @Test func aRankThatDiesLeavesTheLastAdoptedStateAndResumeOnOtherRanksCompletesIt() throws {
        let (train, expected, _) = try Self.photos()
        let root = train.deletingLastPathComponent()
        let single = root.appendingPathComponent("single"), index = root.appendingPathComponent("index")
        _ = try Self.build(train, into: single, ranks: 1, mode: .create)
        // Rank 2 of 3 fails as it sends its third shard: the job ends (as mpirun would end it).
        #expect(throws: (any Error).self) {
            try Self.build(train, into: index, ranks: 3, mode: .create, shardRows: 2) { rank in
                if rank.rank == 2 { rank.beforeSend = { if $0 == 3 { throw ClusterError.communication(call: "send", detail: "rank 2 killed") } } }
            }
        }
        let partial = try ShardedIndexReader(directory: index)
        let committed = try partial.allIDs()
        #expect(Set(committed).count == committed.count)
        #expect(Set(committed).isSubset(of: expected))
        #expect(committed.count < expected.count)
        // Resumed on two ranks: exactly the images not committed are embedded.
        let summaries = try Self.build(train, into: index, ranks: 2, mode: .resume)
        #expect(summaries[0].alreadyIndexed == committed.count)
        #expect(summaries[0].indexed == expected.count - committed.count)
        #expect(try ShardedIndexReader(directory: index).allIDs().sorted() == expected)
        try Self.expectSame(index, as: single)
        let manifest = try Manifest.load(from: index)
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: index.appendingPathComponent("shards").path)
        #expect(Set(onDisk.map { "shards/" + $0 }) == Set(manifest.shards.map(\.file)), "a leftover shard was not cleaned")
    }

    @Test func addOnSeveralRanksAppendsNewClassesInDatasetOrder() throws {
        let (train, _, _) = try Self.photos()
        let root = train.deletingLastPathComponent()
        // The first half of the classes, then all of them.
        let half = try Self.firstHalf(of: train)
        let classes = try AugmentedPhotos.classNames()
        let single = root.appendingPathComponent("single"), index = root.appendingPathComponent("index")
        for (target, ranks) in [(single, 1), (index, 3)] {
            _ = try Self.build(half, into: target, ranks: 1, mode: .create)
            let summaries = try Self.build(train, into: target, ranks: ranks, mode: .add)
            #expect(summaries[0].alreadyIndexed == (classes.count / 2) * 3)
        }
        let manifest = try Manifest.load(from: index)
        #expect(manifest.classes.map(\.name) == classes)
        #expect(manifest.classes.map(\.id) == classes.indices.map(Int32.init))
        try Self.expectSame(index, as: single)
    }

    @Test func moreRanksThanImagesAndFloat16Shards() throws {
        let root = try TestData.temporaryDirectory("cbr-few")
        let data = root.appendingPathComponent("data/cat")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for name in ["chelsea.png", "coffee.png"] {
            try FileManager.default.copyItem(at: TestData.photo(name), to: data.appendingPathComponent(name))
        }
        let single = root.appendingPathComponent("single"), index = root.appendingPathComponent("index")
        _ = try Self.build(root.appendingPathComponent("data"), into: single, ranks: 1, mode: .create, dtype: .float16)
        // Rank 2 has no image: it writes no shard and still says it is done.
        let summaries = try Self.build(root.appendingPathComponent("data"), into: index, ranks: 3, mode: .create, dtype: .float16)
        #expect(summaries[0].indexed == 2 && summaries[2].indexed == 0)
        let manifest = try Manifest.load(from: index)
        #expect(manifest.dtype == .float16)
        #expect(manifest.shards.map(\.file).sorted() == ["shards/000000.h5", "shards/000001.h5"])
        // Each rank embeds its one image in a batch of one, the single rank both in one batch: OpenBLAS's
        // rounding differs by ~1e-7, which can flip a float16 rounding by one unit (at most 2^-11 for a unit vector's entries).
        try Self.expectSame(index, as: single, tolerance: 0x1p-11)
    }

    @Test(arguments: [1, 2]) func aClassWhoseEveryImageFailsIsNotLeftInTheIndex(ranks: Int) throws {
        let root = try TestData.temporaryDirectory("cbr-empty-class")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        for (name, files) in [("a-cat", ["chelsea.png"]), ("b-broken", []), ("c-coffee", ["coffee.png"])] {
            let folder = data.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in files { try FileManager.default.copyItem(at: TestData.photo(file), to: folder.appendingPathComponent(file)) }
        }
        try Data("not a PNG".utf8).write(to: data.appendingPathComponent("b-broken/x.png"))
        let index = root.appendingPathComponent("index")
        let summaries = try Self.build(data, into: index, ranks: ranks, mode: .create)
        #expect(summaries[0].indexed == 2 && summaries[0].classes == 2)
        let manifest = try Manifest.load(from: index)
        // Registered up front for fixed ids, then retired: no live class without rows.
        #expect(manifest.classes.filter { !$0.removed }.map(\.name) == ["a-cat", "c-coffee"])
        #expect(manifest.classes.first { $0.name == "b-broken" }?.removed == true)
        // A later add with a good image of that class creates it live again.
        try FileManager.default.removeItem(at: data.appendingPathComponent("b-broken/x.png"))
        try FileManager.default.copyItem(at: TestData.photo("astronaut.png"), to: data.appendingPathComponent("b-broken/y.png"))
        _ = try Self.build(data, into: index, ranks: ranks, mode: .add)
        let after = try Manifest.load(from: index)
        #expect(after.classes.filter { !$0.removed }.map(\.name).sorted() == ["a-cat", "b-broken", "c-coffee"])
        #expect(after.classes.filter { !$0.removed && $0.rows == 0 }.isEmpty)
    }
}
