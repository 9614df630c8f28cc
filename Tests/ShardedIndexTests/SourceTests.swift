import Foundation
import ShardedIndex
import Testing
import TestSupport

/// Each row's content fingerprint (`sources`, what `index add --replace` compares) through every rewrite.
@Suite struct SourceTests {
    /// An index of `data` whose row r records `source(r)` (nil: rows appended without sources).
    private static func build(_ data: SeededRows, dtype: ScalarType = .float32,
                              source: ((Int) -> String)?) throws -> (URL, IndexWriter) {
        let dir = try TestData.temporaryDirectory("cbr-sources").appendingPathComponent("index")
        let writer = try IndexWriter.create(at: dir, dimension: data.dimension, dtype: dtype,
                                            model: .init(name: "test-model", checksum: "sha256:00"),
                                            shardSizeLimit: 16 * data.dimension * dtype.byteWidth)
        try data.rows.withUnsafeBufferPointer {
            try writer.append(rows: $0, classIDs: data.classNames.map { writer.classID(for: $0) }, ids: data.ids,
                              sources: source.map { s in data.ids.indices.map(s) })
        }
        try writer.finish()
        return (dir, writer)
    }

    private static func source(_ r: Int) -> String { "\(1000 + r):" + String(repeating: "0", count: 60) + String(format: "%04x", r) }

    /// The sources `writer`'s index records per id, for ids `rows`.
    private static func recorded(_ writer: IndexWriter, _ data: SeededRows) throws -> [String: [String]] {
        try writer.committedRows(withIDs: Set(data.ids)).mapValues { $0.map(\.source) }
    }

    @Test("sources follow their rows through compaction, class compaction, row removal and verification",
          arguments: ScalarType.allCases)
    func sourcesSurviveEveryRewrite(dtype: ScalarType) throws {
        let data = SeededRows(count: 50, dimension: 8, classes: 3, seed: 23)
        let (dir, writer) = try Self.build(data, dtype: dtype, source: Self.source)
        let all = Dictionary(uniqueKeysWithValues: data.ids.indices.map { (data.ids[$0], [Self.source($0)]) })
        #expect(try Self.recorded(writer, data) == all)
        #expect(try ShardedIndexReader(directory: dir).manifest.shards.allSatisfy { $0.sourcesChecksum != nil })

        try writer.compactByClass()
        #expect(try Self.recorded(writer, data) == all)

        try writer.removeClass(named: "class-1")
        try writer.compact()
        let kept = all.filter { id, _ in data.classNames[data.ids.firstIndex(of: id)!] != "class-1" }
        #expect(try Self.recorded(writer, data) == kept)

        // Two rows dropped by position: exactly those, the others keep their sources.
        let rows = try writer.committedRows(withIDs: Set(kept.keys))
        let victims = Array(kept.keys.sorted().prefix(2))
        #expect(try writer.removeRows(at: Set(victims.compactMap { rows[$0]?.first?.position })) == 2)
        #expect(try Self.recorded(writer, data) == kept.filter { !victims.contains($0.key) })
        // A full verification reads and checks them too.
        let reader = try ShardedIndexReader(directory: dir)
        try reader.verify()
    }

    @Test("rows appended without sources record none, and a shard's entry then has no sourcesChecksum")
    func rowsWithoutSources() throws {
        let data = SeededRows(count: 20, dimension: 4, classes: 2, seed: 5)
        let (dir, writer) = try Self.build(data, source: nil)
        #expect(try Self.recorded(writer, data).values.allSatisfy { $0 == [""] })
        #expect(try ShardedIndexReader(directory: dir).manifest.shards.allSatisfy { $0.sourcesChecksum == nil })
    }

    @Test("a sources checksum the shard does not match is a clear error naming the shard")
    func damagedSourcesAreRefused() throws {
        let data = SeededRows(count: 20, dimension: 4, classes: 2, seed: 7)
        let (dir, _) = try Self.build(data, source: Self.source)
        var manifest = try Manifest.load(from: dir)
        manifest.shards[0].sourcesChecksum = "crc32:00000000"
        try manifest.save(to: dir)
        let writer = try IndexWriter.open(at: dir, shardSizeLimit: 16 * 4 * 4)
        #expect {
            _ = try writer.committedRows(withIDs: Set(data.ids))
        } throws: { error in
            "\(error)".contains(manifest.shards[0].file) && "\(error)".contains("sources checksum")
        }
    }
}
