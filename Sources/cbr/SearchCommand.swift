import ArgumentParser
import Foundation
import Pipeline
import ShardedIndex

extension Route: ExpressibleByArgument {}

/// `cbr search`: exact top-k of query embeddings against an index, written as HDF5.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Exact top-k inner-product search of query embeddings against an index.",
        discussion: """
            Writes `indices` [q, k] int64 (global row numbers, −1 when the index has fewer than k live rows), \
            `scores` [q, k] float32 and `labels` [q, k] int32 (class ids of the index's class table). \
            Queries that are not unit length are normalized (a note says how many); a query holding a NaN or \
            an infinity is an error. Removed classes are skipped. The file appears only when complete.
            """)

    @Argument(help: "Query embeddings: HDF5 (`embeddings`, `queries` or ann-benchmarks' `test`) or .fbin.") var queries: String
    @Option(help: "The query dataset in the HDF5 file.") var dataset: String?
    @Option(help: "The index directory.") var index: String
    @Option(help: "Neighbours per query (1…\(Limits.neighbours.upperBound)).") var k = 10
    @Option(help: "Where to write the results (HDF5).") var out: String
    @Flag(help: "Load the whole index in memory first (default: stream it in blocks).") var inMemory = false
    @Option(help: "Index rows per streamed block (1…\(Limits.rows.upperBound)).") var blockRows = ExactSearch.defaultBlockRows
    @Flag(help: "Skip the shard checksum verification (CRC-32 of every row, once per run).") var noVerify = false
    @Option(help: "Routed search: rank only the rows of each query's C best classes by prototype score, or 'auto' (C for 0.99 top-1 agreement with exact search on the index's own rows). Default: exact.")
    var route: Route?

    func validate() throws {
        try checkOption(k, "--k", Limits.neighbours)
        try checkOption(blockRows, "--block-rows", Limits.rows)
    }

    func run() throws {
        try runCommand { console in
            try Commands.search(queries, dataset: dataset, index: URL(fileURLWithPath: index), k: k, out: out,
                                inMemory: inMemory, blockRows: blockRows, verify: !noVerify, route: route,
                                console: console)
        }
    }
}
