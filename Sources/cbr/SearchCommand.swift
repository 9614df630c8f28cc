import ArgumentParser
import Foundation
import HDF5
import ShardedIndex

/// `cbr search`: exact top-k of query embeddings against an index, written as HDF5.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Exact top-k inner-product search of query embeddings against an index.",
        discussion: """
            Writes `indices` [q, k] int64 (global row numbers, −1 when the index has fewer than k live rows), \
            `scores` [q, k] float32 and `labels` [q, k] int32 (class ids of the index's class table). \
            Queries that are not unit length are normalized (a note says how many). Removed classes are skipped.
            """)

    @Argument(help: "Query embeddings: HDF5 (`embeddings`, `queries` or ann-benchmarks' `test`) or .fbin.") var queries: String
    @Option(help: "The query dataset in the HDF5 file.") var dataset: String?
    @Option(help: "The index directory.") var index: String
    @Option(help: "Neighbours per query.") var k = 10
    @Option(help: "Where to write the results (HDF5).") var out: String
    @Flag(help: "Load the whole index in memory first (default: stream it in blocks).") var inMemory = false
    @Option(help: "Index rows per streamed block.") var blockRows = ExactSearch.defaultBlockRows
    @Flag(help: "Skip the shard checksum verification (CRC-32 of every row, once per run).") var noVerify = false

    func validate() throws {
        guard k > 0 else { throw ValidationError("--k must be at least 1") }
        guard blockRows > 0 else { throw ValidationError("--block-rows must be at least 1") }
    }

    func run() throws {
        try IndexCLI.run {
            let reader = try ShardedIndexReader(directory: URL(fileURLWithPath: index), mode: inMemory ? .inMemory : .streaming,
                                            verifyChecksums: !noVerify)
            let source = try EmbeddingInputs.open(queries, dataset: dataset, defaults: ["embeddings", "queries", "test"])
            guard source.dimension == reader.dimension else {
                throw IndexError.dimensionMismatch(source.url, expected: reader.dimension, found: source.dimension)
            }
            let matrix = try source.rows(0..<source.count)
            let d = source.dimension
            let unnormalized = (0..<source.count).filter { q in
                let norm = matrix[(q * d)..<((q + 1) * d)].reduce(0) { $0 + $1 * $1 }.squareRoot()
                return abs(norm - 1) > 1e-3
            }.count
            if unnormalized > 0 { IndexCLI.note("\(unnormalized) of \(source.count) queries were not unit length and were normalized") }
            let options = SearchOptions(k: k, blockRows: blockRows, normalizeQueries: true,
                                        mask: LabelMask(removed: reader.removedMask))
            let results = try ExactSearch.search(queries: matrix, in: reader, options: options)
            let file = try H5File.create(at: URL(fileURLWithPath: out), overwrite: true)
            try file.createDataset("indices", values: results.rows, shape: [source.count, k])
            try file.createDataset("scores", values: results.scores, shape: [source.count, k])
            try file.createDataset("labels", values: results.labels, shape: [source.count, k])
            try file.setAttribute("k", k)
            try file.setAttribute("index", reader.directory.path)
            try file.close()
            print("searched \(source.count) queries against \(reader.rowCount) rows (k = \(k)): \(out)")
        }
    }
}
