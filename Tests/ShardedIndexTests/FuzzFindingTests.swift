import Foundation
import Testing
import ShardedIndex
import TestSupport

/// Issue 17, item 9: the shard the fuzz campaign found (Fuzz/findings/shard-hdf5-huge-metadata-alloc.h5, a
/// mutated two-row, 1280-wide shard of the seed index whose symbol table makes libhdf5 ask malloc for
/// 0xfd0000000058 bytes) put in place of a real shard of the same shape. The manifest still describes that
/// shard truthfully (its rows, the index's dimension and dtype), so only the file's own content is wrong:
/// every reader must fail with one clean line naming the shard, in both modes, and never crash.
@Suite("Fuzz finding: HDF5 shard with a huge metadata allocation")
struct FuzzFindingTests {
    static func finding(_ name: String) -> URL { TestData.packageRoot.appendingPathComponent("Fuzz/findings/\(name)") }
    static let finding = finding("shard-hdf5-huge-metadata-alloc.h5")

    /// A real index of 6 rows of 1280 values in 2-row shards (the seed index's shape), shard 0 replaced.
    static func damagedIndex(with finding: URL = finding) throws -> (index: URL, shard: URL) {
        let data = SeededRows(count: 6, dimension: 1280, classes: 2, seed: 31)
        let index = try StoreTests.build(data, dtype: .float32, rowsPerShard: 2)
        let manifest = try Manifest.load(from: index)
        #expect(manifest.shards.count == 3 && manifest.shards[0].rows == 2)
        let shard = index.appendingPathComponent(manifest.shards[0].file)
        try FileManager.default.removeItem(at: shard)
        try FileManager.default.copyItem(at: finding, to: shard)
        return (index, shard)
    }

    /// `body` throws one error whose text is one line naming `shard`.
    func expectOneLineError(naming shard: URL, _ what: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("\(what): no error from the damaged shard")
        } catch {
            let text = "\(error)"
            #expect(!text.contains("\n"), "\(what): \(text)")
            #expect(text.contains(shard.lastPathComponent), "\(what): \(text)")
        }
    }

    @Test("open, verify, search, ids: one clean error in each mode", arguments: ShardedIndexReader.Mode.allCases)
    func library(mode: ShardedIndexReader.Mode) throws {
        let (index, shard) = try Self.damagedIndex()
        let queries = [Float](repeating: 1 / Float(1280).squareRoot(), count: 1280)
        for verifyChecksums in [true, false] {
            expectOneLineError(naming: shard, "\(mode), checksums \(verifyChecksums): open + search") {
                let reader = try ShardedIndexReader(directory: index, mode: mode, verifyChecksums: verifyChecksums)
                _ = try ExactSearch.search(queries: queries, in: reader, options: SearchOptions(k: 3, blockRows: 3, threads: 1))
            }
        }
        expectOneLineError(naming: shard, "\(mode): open + verify") {
            try ShardedIndexReader(directory: index, mode: mode).verify()
        }
        if mode == .streaming {
            // Opening a streaming reader reads no shard; what reads this one fails.
            let reader = try ShardedIndexReader(directory: index, mode: .streaming)
            expectOneLineError(naming: shard, "ids") { _ = try reader.ids(ofShard: 0) }
            #expect(try reader.ids(ofShard: 1).count == 2)
        }
    }

    @Test("cbr index info --verify and search (streamed, in memory): exit 2, one stderr line, no HDF5-DIAG")
    func commandLine() throws {
        let (index, shard) = try Self.damagedIndex()
        let dir = index.deletingLastPathComponent()
        // Two unit-length queries of 1280 values in an .fbin file (uint32 n, uint32 d, float32 rows).
        let queries = dir.appendingPathComponent("queries.fbin")
        var bytes: [UInt8] = []
        for word in [UInt32(2), 1280] { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
        for q in 0..<2 {
            for i in 0..<1280 {
                let value: Float = i % 2 == q ? (2 / Float(1280)).squareRoot() : 0
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
            }
        }
        try Data(bytes).write(to: queries)
        let runs: [[String]] = [
            ["index", "info", "--index", index.path, "--verify"],
            ["search", queries.path, "--index", index.path, "--k", "3", "--out", dir.appendingPathComponent("R.h5").path],
            ["search", queries.path, "--index", index.path, "--k", "3", "--out", dir.appendingPathComponent("R.h5").path, "--in-memory"],
        ]
        for arguments in runs {
            let run = try CLIRun.cbr(arguments)
            let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
            #expect(!run.stderr.contains("HDF5-DIAG"), "\(arguments): \(run.stderr)")
            #expect(lines.count == 1 && lines.first?.contains(shard.path) == true, "\(arguments): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("R.h5").path))
    }

    /// The shard target's later finding: a damaged global heap under `ids` made libhdf5's H5HG_read copy
    /// past its buffer (SIGSEGV in `cbr index import --resume`, which read the ids before checking the shard).
    /// The resume now checks each shard as a search does before it reads its ids.
    @Test("a shard whose ids' global heap is damaged: import --resume exits 2 with one line, no crash")
    func globalHeapOverlap() throws {
        let (index, shard) = try Self.damagedIndex(with: Self.finding("shard-hdf5-global-heap-overlap-segv.h5"))
        let rows = index.deletingLastPathComponent().appendingPathComponent("more.fbin")
        var bytes: [UInt8] = []
        for word in [UInt32(1), 1280] { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
        for i in 0..<1280 { withUnsafeBytes(of: Float(i == 7 ? 1 : 0).bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: rows)
        let before = try Data(contentsOf: index.appendingPathComponent("manifest.json"))
        let run = try CLIRun.cbr(["index", "import", rows.path, "--index", index.path, "--resume"])
        let failures = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("cbr: note:") }
        #expect(run.status == 2, "\(run.status): \(run.stderr)")
        #expect(failures.count == 1 && failures.first?.contains(shard.path) == true, "\(run.stderr)")
        #expect(try Data(contentsOf: index.appendingPathComponent("manifest.json")) == before)
        expectOneLineError(naming: shard, "ids") {
            _ = try ShardedIndexReader(directory: index, mode: .streaming, verifyChecksums: false).ids(ofShard: 0)
        }
    }

    /// A later finding: the shard's `checksum` attribute, a variable-length string, sat in a damaged global
    /// heap, and reading it crashed every command that opened the shard (SIGSEGV in libhdf5's H5HG_read).
    /// Shards listed with an `idsChecksum` are written with fixed-length strings only, so a variable-length
    /// one there is refused by its type, before libhdf5 reads it.
    @Test("a variable-length checksum attribute in a damaged global heap: one line, no crash, in every mode")
    func attributeInADamagedGlobalHeap() throws {
        let (index, shard) = try Self.damagedIndex(with: Self.finding("shard-hdf5-attribute-global-heap-segv.h5"))
        for mode in ShardedIndexReader.Mode.allCases {
            expectOneLineError(naming: shard, "open + verify (\(mode))") {
                let reader = try ShardedIndexReader(directory: index, mode: mode, verifyChecksums: false)
                try reader.verify()
            }
        }
        let run = try CLIRun.cbr(["index", "info", "--verify", "--index", index.path])
        #expect(run.status == 2, "\(run.status): \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("variable-length"), "\(run.stderr)")
    }
}
