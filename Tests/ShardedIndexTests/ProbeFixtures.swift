import Foundation
import ShardedIndex
import TestSupport

/// A small real index (3 shards) and what an undamaged open, verify and search of it returns, so that a
/// damaged copy can be checked: it must either fail with an error or return exactly this.
struct ProbeIndex {
    let directory: URL
    let dtype: ScalarType
    let queries: [Float]
    let baseline: Outcome

    /// Everything a reader hands out: search results, ids, prototype counts.
    struct Outcome: Equatable {
        var scores: [Float]
        var rows: [Int64]
        var labels: [Int32]
        var ids: [String]
        var counts: [Int]
    }

    init(dtype: ScalarType, rows: Int = 60, rowsPerShard: Int = 20, dimension: Int = 16, seed: UInt64 = 5) throws {
        let data = SeededRows(count: rows, dimension: dimension, classes: 4, seed: seed)
        directory = try StoreTests.build(data, dtype: dtype, rowsPerShard: rowsPerShard)
        self.dtype = dtype
        var generator = SeededGenerator(state: seed &+ 1)
        queries = (0..<(4 * dimension)).map { _ in Float.random(in: -1...1, using: &generator) }
        baseline = try Self.outcome(directory, queries: queries, mode: .streaming)
    }

    /// Opens the index, verifies it, searches it and reads its ids and prototype counts.
    static func outcome(_ directory: URL, queries: [Float], mode: ShardedIndexReader.Mode) throws -> Outcome {
        let reader = try ShardedIndexReader(directory: directory, mode: mode)
        try reader.verify()
        let results = try ExactSearch.search(queries: queries, in: reader,
                                             options: SearchOptions(k: 7, blockRows: 8, threads: 1,
                                                                    mask: LabelMask(removed: reader.removedMask)))
        return Outcome(scores: results.scores, rows: results.rows, labels: results.labels,
                       ids: try reader.allIDs(), counts: try reader.prototypeSums().counts)
    }

    /// The error `mode`'s open + verify + search threw (nil if none), and whether, when it threw none,
    /// it returned exactly the baseline.
    func check(_ mode: ShardedIndexReader.Mode) -> (error: Error?, identical: Bool) {
        do {
            let got = try Self.outcome(directory, queries: queries, mode: mode)
            return (nil, got == baseline)
        } catch {
            return (error, true)
        }
    }

    var manifestURL: URL { directory.appendingPathComponent("manifest.json") }

    func shardURL(_ index: Int) -> URL { directory.appendingPathComponent(String(format: "shards/%06d.h5", index)) }
}
