import ArgumentParser
import Foundation
import Pipeline
import ShardedIndex

/// `cbr search`: exact top-k of query embeddings against an index, written as HDF5.
public struct SearchCommand<Host: CommandHost>: ParsableCommand {
    public init() {}

    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "search",
        abstract: "Exact top-k inner-product search of query embeddings against an index.",
        discussion: """
            Writes `indices` [q, k] int64 (global row numbers, −1 when the index has fewer than k live rows), \
            `scores` [q, k] float32 and `labels` [q, k] int32 (class ids of the index's class table). \
            Queries that are not unit length are normalized (a note says how many); a query holding a NaN or \
            an infinity is an error. Removed classes are skipped. The file appears only when complete.
            """) }

    @Argument(help: "Query embeddings: HDF5 (`embeddings`, `queries` or ann-benchmarks' `test`) or .fbin.") public var queries: String
    @Option(help: "The query dataset in the HDF5 file.") public var dataset: String?
    @Option(help: "The index directory.") public var index: String
    @Option(help: "Neighbours per query (1…\(Limits.neighbours.upperBound)).") public var k = 10
    @Option(help: "Where to write the results (HDF5).") public var out: String
    @Flag(help: "Load the whole index in memory first (default: stream it in blocks).") public var inMemory = false
    @Option(help: "Index rows per streamed block (1…\(Limits.rows.upperBound)).") public var blockRows = ExactSearch.defaultBlockRows
    @Flag(help: "Skip the shard checksum verification (CRC-32 of every row, once per run).") public var noVerify = false
    @Option(help: "Search threads (1…\(Limits.threads.upperBound); default: every core, shared equally by the cbr-mpi ranks on one machine).")
    public var threads: Int?
    @Option(help: ArgumentHelp("Routed search: rank only the rows of each query's C best classes by prototype score, or 'auto' (C for 0.99 top-1 agreement with exact search on the index's own rows; one rank only). With :P, classes are picked among the prototypes of each query's P best prototype groups (√classes groups; for tens of thousands of classes). Default: exact.", valueName: "C[:P]|auto[:P]"))
    public var route: Route?
    @OptionGroup public var filter: ClassFilterArguments
    @Flag(help: "Print the scan time (slowest rank) and the time to merge the ranks' lists as a note.") public var timings = false

    public func validate() throws {
        try checkOption(k, "--k", Limits.neighbours)
        try checkOption(blockRows, "--block-rows", Limits.rows)
        if let threads { try checkOption(threads, "--threads", Limits.threads) }
    }

    public func run() throws {
        try Host.run { console, cluster in
            try Commands.search(queries, dataset: dataset, index: URL(fileURLWithPath: index), k: k, out: out,
                                inMemory: inMemory, blockRows: blockRows, verify: !noVerify,
                                threads: threads ?? Host.defaultThreads, timings: timings, route: route,
                                filter: try filter.filter(), console: console,
                                cluster: cluster)
        }
    }
}
