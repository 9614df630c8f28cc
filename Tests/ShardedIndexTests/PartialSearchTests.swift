import Foundation
import Testing
import ShardedIndex
import TestSupport

/// A distributed search's index side: readers over subsets of the shards, the shard assignment, and the
/// merge of their results, checked bit for bit against one search of the whole index.
@Suite("Partial readers, shard assignment and merged results")
struct PartialSearchTests {
    /// An index of `data` cut into shards of `shardRows` rows (0 makes an empty shard), in `dtype`.
    static func build(_ data: ClusteredData, shardRows: [Int], dtype: ScalarType, removing: String? = nil) throws -> URL {
        let dir = try TestData.temporaryDirectory("cbr-partial").appendingPathComponent("index")
        let writer = try IndexWriter.create(at: dir, dimension: data.dimension, dtype: dtype, shardSizeLimit: 1 << 30)
        let d = data.dimension
        var start = 0
        for rows in shardRows {
            let end = start + rows
            try data.rows[(start * d)..<(end * d)].withUnsafeBufferPointer {
                try writer.append(rows: $0, classNames: data.labels[start..<end].map { "class-\($0)" },
                                  ids: (start..<end).map { "row-\($0)" })
            }
            try writer.commit(allowEmpty: true)
            start = end
        }
        try writer.finish()
        if let removing { try writer.removeClass(named: removing) }
        return dir
    }

    static func expectBitEqual(_ a: SearchResults, _ b: SearchResults, _ what: String) {
        #expect(a.queryCount == b.queryCount && a.k == b.k, "\(what): shape")
        #expect(a.rows == b.rows, "\(what): rows")
        #expect(a.labels == b.labels, "\(what): labels")
        #expect(zip(a.scores, b.scores).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(what): scores")
    }

    /// Searches every rank's part of a `ranks`-way assignment and merges them.
    static func mergedSearch(_ dir: URL, mode: ShardedIndexReader.Mode, ranks: Int, queries: [Float],
                             options: SearchOptions) throws -> SearchResults {
        let manifest = try Manifest.load(from: dir)
        let assignment = ShardAssignment(manifest, ranks: ranks)
        let parts = try (0..<ranks).map { rank in
            let reader = try ShardedIndexReader(directory: dir, mode: mode, shards: assignment.shards(ofRank: rank))
            #expect(reader.selectedRowCount == assignment.rows[rank])
            return try ExactSearch.search(queries: queries, in: reader, options: options)
        }
        return try SearchResults.merged(parts)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var dtype: ScalarType
        var mode: ShardedIndexReader.Mode
        var queries: Int
        var k: Int
        var blockRows: Int
        var testDescription: String { "\(dtype) \(mode) q=\(queries) k=\(k) blocks of \(blockRows)" }
    }

    static let cases: [Case] = ScalarType.allCases.flatMap { dtype in
        ShardedIndexReader.Mode.allCases.flatMap { mode in
            [Case(dtype: dtype, mode: mode, queries: 1, k: 10, blockRows: 300),
             Case(dtype: dtype, mode: mode, queries: 40, k: 50, blockRows: 300),
             Case(dtype: dtype, mode: mode, queries: 1030, k: 7, blockRows: 16384)]
        }
    }

    @Test("subset searches merged equal the whole-index search, bit for bit", arguments: cases)
    func mergedEqualsWhole(_ c: Case) throws {
        // Irregular shards, an empty one, and duplicated rows (equal scores: the row-order tie rule matters).
        let data = ClusteredData(count: 3000, dimension: 48, clusters: 9, seed: 21, duplicates: 300)
        let dir = try Self.build(data, shardRows: [700, 0, 1300, 250, 750], dtype: c.dtype)
        let queries = ClusteredData.queries(count: c.queries, dimension: 48, seed: 5)
        let whole = try ShardedIndexReader(directory: dir, mode: c.mode)
        let options = SearchOptions(k: c.k, blockRows: c.blockRows, threads: 2, mask: LabelMask(removed: whole.removedMask))
        let expected = try ExactSearch.search(queries: queries, in: whole, options: options)
        #expect(expected.rows.allSatisfy { $0 >= 0 })
        // 1 rank, fewer ranks than shards, as many, and more ranks than shards (some ranks scan nothing).
        for ranks in [1, 2, 3, 5, 8] {
            let merged = try Self.mergedSearch(dir, mode: c.mode, ranks: ranks, queries: queries, options: options)
            Self.expectBitEqual(merged, expected, "\(ranks) ranks")
        }
    }

    @Test("in-memory and streamed searches agree bit for bit (blocks never cross a shard)", arguments: ScalarType.allCases)
    func modesAgree(_ dtype: ScalarType) throws {
        let data = ClusteredData(count: 2000, dimension: 40, clusters: 6, seed: 8)
        let dir = try Self.build(data, shardRows: [333, 900, 0, 767], dtype: dtype)
        let queries = ClusteredData.queries(count: 64, dimension: 40, seed: 3)
        let options = SearchOptions(k: 20, blockRows: 500, threads: 2)
        let streamed = try ExactSearch.search(queries: queries, in: try ShardedIndexReader(directory: dir, mode: .streaming), options: options)
        let loaded = try ExactSearch.search(queries: queries, in: try ShardedIndexReader(directory: dir, mode: .inMemory), options: options)
        Self.expectBitEqual(streamed, loaded, "\(dtype)")
    }

    @Test("a removed class stays out of every part, and short lists pad only at the end", arguments: ShardedIndexReader.Mode.allCases)
    func removedClassesAndPadding(_ mode: ShardedIndexReader.Mode) throws {
        let data = ClusteredData(count: 120, dimension: 16, clusters: 4, seed: 30)
        let dir = try Self.build(data, shardRows: [50, 0, 40, 30], dtype: .float32, removing: "class-2")
        let whole = try ShardedIndexReader(directory: dir, mode: mode)
        let live = data.labels.filter { $0 != 2 }.count
        let queries = ClusteredData.queries(count: 6, dimension: 16, seed: 4)
        let options = SearchOptions(k: 200, threads: 1, mask: LabelMask(removed: whole.removedMask))
        let expected = try ExactSearch.search(queries: queries, in: whole, options: options)
        for ranks in [2, 4, 6] {
            let merged = try Self.mergedSearch(dir, mode: mode, ranks: ranks, queries: queries, options: options)
            Self.expectBitEqual(merged, expected, "\(ranks) ranks")
            let removed = whole.classes.first { $0.name == "class-2" }!.id
            for q in 0..<6 {
                let neighbours = merged.neighbors(of: q)
                #expect(neighbours.prefix(live).allSatisfy { !$0.isPadding && $0.label != removed })
                #expect(neighbours.dropFirst(live).allSatisfy { $0 == .padding })
            }
        }
    }

    @Test("a reader over some shards reads only those, with their global row numbers", arguments: ShardedIndexReader.Mode.allCases)
    func subsetBlocks(_ mode: ShardedIndexReader.Mode) throws {
        let data = ClusteredData(count: 100, dimension: 8, clusters: 3, seed: 2)
        let dir = try Self.build(data, shardRows: [30, 0, 45, 25], dtype: .float32)
        let reader = try ShardedIndexReader(directory: dir, mode: mode, shards: [3, 1])
        #expect(reader.shards == [1, 3] && reader.selectedRowCount == 25 && reader.rowCount == 100)
        let got = try Collected(reader, maxRows: 10)
        #expect(got.firstRows == [75, 85, 95])
        #expect(got.labels.count == 25)
        let expected = Array(data.rows[(75 * 8)..<(100 * 8)])
        #expect(zip(got.rows, expected).allSatisfy { abs($0 - $1) <= 1e-6 })
        let none = try ShardedIndexReader(directory: dir, mode: mode, shards: [])
        #expect(try Collected(none, maxRows: 10).labels.isEmpty)
        let results = try ExactSearch.search(queries: Array(data.rows[0..<8]), in: none, options: SearchOptions(k: 3))
        #expect(results.neighbors(of: 0) == [.padding, .padding, .padding])
    }

    @Test("verify on a reader over some shards checks those shards, not the others")
    func subsetVerify() throws {
        let data = ClusteredData(count: 100, dimension: 8, clusters: 3, seed: 4)
        let dir = try Self.build(data, shardRows: [40, 60], dtype: .float32)
        // Damage shard 1's embeddings (the file's middle is its rows).
        let shard = dir.appendingPathComponent(try Manifest.load(from: dir).shards[1].file)
        var bytes = try Data(contentsOf: shard)
        for i in (bytes.count / 2)..<(bytes.count / 2 + 16) { bytes[i] ^= 0x5A }
        try bytes.write(to: shard)
        try ShardedIndexReader(directory: dir, shards: [0]).verify()
        #expect(throws: IndexError.self) { try ShardedIndexReader(directory: dir, shards: [1]).verify() }
        #expect(throws: IndexError.self) { try ShardedIndexReader(directory: dir).verify() }
    }

    @Test("shard lists naming no shard, or one twice, are refused")
    func badSelections() throws {
        let data = ClusteredData(count: 20, dimension: 8, clusters: 2, seed: 1)
        let dir = try Self.build(data, shardRows: [10, 10], dtype: .float32)
        for shards in [[2], [-1], [0, 0], [1, Int.max]] {
            #expect(throws: IndexError.self, "\(shards)") { try ShardedIndexReader(directory: dir, shards: shards) }
        }
    }

    @Test("the assignment is deterministic, complete and balanced by rows")
    func assignment() {
        let rows = [700, 0, 1300, 250, 750, 100, 100]
        for ranks in 1...9 {
            let a = ShardAssignment(rowCounts: rows, ranks: ranks)
            #expect(a == ShardAssignment(rowCounts: rows, ranks: ranks))
            #expect(a.shards.count == ranks)
            #expect(a.shards.flatMap { $0 }.sorted() == Array(rows.indices))
            #expect(a.shards.allSatisfy { $0 == $0.sorted() })
            #expect(a.rows == a.shards.map { $0.reduce(0) { $0 + rows[$1] } })
            #expect(a.rows.reduce(0, +) == rows.reduce(0, +))
        }
        // Largest first to the least-loaded rank (ties: lower shard, lower rank): 1300 | 750 + 100 + 100 + 0 | 700 + 250.
        let three = ShardAssignment(rowCounts: rows, ranks: 3)
        #expect(three.shards == [[2], [1, 4, 5, 6], [0, 3]])
        #expect(three.rows == [1300, 950, 950])
        // More ranks than shards: the extra ranks get nothing, and asking beyond the assignment is no trap.
        let many = ShardAssignment(rowCounts: [5, 3], ranks: 4)
        #expect(many.shards == [[0], [1], [], []])
        #expect(many.shards(ofRank: 9).isEmpty && many.shards(ofRank: -1).isEmpty)
    }

    @Test("merging keeps the best k by score then row, drops padding, and refuses mismatched shapes")
    func mergeRules() throws {
        let a = try SearchResults(queryCount: 2, k: 3, scores: [0.9, 0.5, -.infinity, 0.8, 0.7, 0.1],
                                  rows: [4, 9, -1, 1, 2, 3], labels: [0, 1, -1, 2, 2, 2])
        let b = try SearchResults(queryCount: 2, k: 3, scores: [0.5, -.infinity, -.infinity, 0.9, 0.75, 0.7],
                                  rows: [7, -1, -1, 10, 11, 0], labels: [3, -1, -1, 4, 4, 4])
        let m = try SearchResults.merged([a, b])
        #expect(m.rows == [4, 7, 9, 10, 1, 11])
        #expect(m.labels == [0, 3, 1, 4, 2, 4])
        #expect(m.scores == [0.9, 0.5, 0.5, 0.9, 0.8, 0.75])
        let short = try SearchResults.merged([a, try SearchResults(queryCount: 2, k: 3, scores: [Float](repeating: -.infinity, count: 6),
                                                                    rows: [Int64](repeating: -1, count: 6), labels: [Int32](repeating: -1, count: 6))])
        #expect(short.neighbors(of: 0)[2] == .padding && short.rows[0..<2] == [4, 9])
        #expect(throws: SearchResultsError.self) { try SearchResults.merged([a, SearchResults(queryCount: 2, k: 4)]) }
        #expect(throws: SearchResultsError.self) { try SearchResults(queryCount: 2, k: 3, scores: [1], rows: [1], labels: [1]) }
        #expect(throws: SearchResultsError.self) { try SearchResults(queryCount: Int.max, k: 2, scores: [], rows: [], labels: []) }
        #expect(try SearchResults.merged([]).queryCount == 0)
        // Lists out of order (reversed, padding first) are sorted rather than merged head by head: same answer.
        let reversed = try SearchResults(queryCount: 2, k: 3, scores: [-.infinity, 0.5, 0.9, 0.1, 0.7, 0.8],
                                         rows: [-1, 9, 4, 3, 2, 1], labels: [-1, 1, 0, 2, 2, 2])
        let unordered = try SearchResults.merged([reversed, b])
        #expect(unordered.rows == m.rows && unordered.scores == m.scores && unordered.labels == m.labels)
    }
}
