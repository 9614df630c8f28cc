import Aggregate
import ArgumentParser
import Foundation
import Pipeline
import ShardedIndex

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify photos by retrieval: nearest indexed images, aggregated per class.",
        discussion: "Inputs that fail are listed on stderr (exit code 1). With --out, the file appears only when complete.")

    @Argument(help: "Image files or directories (searched recursively).") var inputs: [String]
    @Option(help: "The index directory.") var index: String
    @OptionGroup var ranking: RankingArguments
    @Option(help: "Aggregation: max, mean, sum, vote, power[:P], prototype.") var aggregate: AggregationRule = .max
    @Option(help: "Output format: csv or jsonl.") var format: PredictionWriter.Format = .csv
    @Option(help: "Write the predictions here instead of stdout.") var out: String?
    @Option(help: "Images gathered before each search of the index (1…\(Limits.searchBatch.upperBound)).")
    var searchBatch = 1024
    @OptionGroup var embedding: EmbeddingArguments
    @Option(help: "Routed search: only the rows of each query's C best classes by prototype score, or 'auto' (docs/routing.md). Default: exact.")
    var route: Route?

    func validate() throws { try checkOption(searchBatch, "--search-batch", Limits.searchBatch) }

    func run() throws {
        try runCommand { console in
            try Commands.classify(inputs, index: URL(fileURLWithPath: index), model: embedding.modelURL, options: .init(
                top: ranking.top, k: ranking.k, rule: aggregate, threshold: ranking.threshold,
                batchSize: embedding.batch, searchBatch: searchBatch, threads: embedding.threads, route: route),
                format: format, out: out, console: console)
        }
    }
}
