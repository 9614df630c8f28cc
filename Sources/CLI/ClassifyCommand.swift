import Aggregate
import ArgumentParser
import Foundation
import Pipeline
import ShardedIndex

public struct ClassifyCommand<Host: CommandHost>: ParsableCommand {
    public init() {}

    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "classify",
        abstract: "Classify photos by retrieval: nearest indexed images, aggregated per class.",
        discussion: "Inputs that fail are listed on stderr (exit code 1). With --out, the file appears only when complete.") }

    @Argument(help: "Image files or directories (searched recursively).") public var inputs: [String]
    @Option(help: "The index directory.") public var index: String
    @OptionGroup public var ranking: RankingArguments
    @Option(help: "Aggregation: max, mean, sum, vote, power[:P], prototype.") public var aggregate: AggregationRule = .max
    @Option(help: "Output format: csv or jsonl.") public var format: PredictionWriter.Format = .csv
    @Option(help: "Write the predictions here instead of stdout.") public var out: String?
    @Option(help: "Images gathered before each search of the index (1…\(Limits.searchBatch.upperBound)).")
    public var searchBatch = 1024
    @OptionGroup public var embedding: EmbeddingArguments
    @Option(help: ArgumentHelp("Routed search: only the rows of each query's C best classes by prototype score, or 'auto' (one rank only; docs/routing.md). With :P, classes are picked among the prototypes of each query's P best prototype groups (√classes groups; for tens of thousands of classes). Default: exact.", valueName: "C[:P]|auto[:P]"))
    public var route: Route?
    @OptionGroup public var filter: ClassFilterArguments
    @Option(help: "Name the N nearest indexed images behind each predicted class (CSV columns or JSONL fields; 0…\(Limits.explain.upperBound)).")
    public var explain = 0
    @OptionGroup public var headArguments: HeadArguments
    @Option(help: "Query expansion: search again with each query plus its N best neighbours weighted by similarity^α (N[:α], α = 3 by default; one process only). Default: none.")
    public var qe: QueryExpansion?

    public func validate() throws {
        try checkOption(searchBatch, "--search-batch", Limits.searchBatch)
        try checkOption(explain, "--explain", Limits.explain)
    }

    public func run() throws {
        try Host.run { console, cluster in
            try Commands.classify(inputs, index: URL(fileURLWithPath: index), model: embedding.modelURL, options: .init(
                top: ranking.top, k: ranking.k, rule: aggregate, threshold: ranking.threshold,
                batchSize: embedding.batch, searchBatch: searchBatch, threads: embedding.threads(for: Host.self),
                decode: embedding.decode, route: route, filter: try filter.filter(), explain: explain, expansion: qe),
                format: format, out: out, console: console, cluster: cluster, head: headArguments.head,
                softmax: headArguments.softmax)
        }
    }
}
