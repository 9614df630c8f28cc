import ArgumentParser
import Foundation
import Pipeline
import ShardedIndex

public struct EvalCommand<Host: CommandHost>: ParsableCommand {
    public init() {}

    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "eval",
        abstract: "Classify a labelled query set and report top-1/top-5, GAP, per-class recall and a calibrated threshold.",
        discussion: "Queries whose class is not in the index are distractors. Give several rules as --aggregate max,power,… to compare them on one pass.") }

    @OptionGroup public var data: DatasetArguments
    @Option(help: "The index directory.") public var index: String
    @Option(help: "Aggregation rules, comma-separated (max, mean, sum, vote, power[:P], prototype, or all).")
    public var aggregate = "max"
    @Option(help: "Neighbours retrieved per query (1…\(Limits.neighbours.upperBound)).") public var k = 50
    @Option(help: "Calibrate the threshold for this precision instead of the best F1.") public var targetPrecision: Double?
    @Flag(help: "Machine-readable JSON on stdout.") public var json = false
    @OptionGroup public var embedding: EmbeddingArguments
    @Option(help: ArgumentHelp("Routed search: only the rows of each query's C best classes by prototype score, or 'auto' (one rank only; docs/routing.md). With :P, classes are picked among the prototypes of each query's P best prototype groups (√classes groups; for tens of thousands of classes). Default: exact.", valueName: "C[:P]|auto[:P]"))
    public var route: Route?
    @OptionGroup public var filter: ClassFilterArguments
    @Option(help: "Score classes by this trained head (cbr head fit) instead of by retrieval.") public var head: String?
    @OptionGroup public var episodeArguments: EpisodeArguments
    @Option(help: "Query expansion: search again with each query plus its N best neighbours weighted by similarity^α (N[:α], α = 3 by default; one process only). Default: none.")
    public var qe: QueryExpansion?

    public func validate() throws {
        try checkOption(k, "--k", Limits.neighbours)
        do { _ = try Commands.aggregationRules(aggregate) } catch { throw ValidationError("\(error)") }
        if let targetPrecision, !(targetPrecision > 0 && targetPrecision <= 1) {
            throw ValidationError("--target-precision must be in (0, 1] (got \(targetPrecision))")
        }
    }

    public func run() throws {
        try Host.run { console, cluster in
            if let options = episodeArguments.options {
                guard cluster.size == 1 else { throw CLIError.usage("--episodes runs in one process: use cbr, not cbr-mpi") }
                return try Commands.episodes(data.dataset == nil && data.csv == nil ? nil : try data.load(),
                                             index: URL(fileURLWithPath: index), model: embedding.modelURL,
                                             options: options, json: json, batchSize: embedding.batch,
                                             threads: embedding.threads(for: Host.self), decode: embedding.decode,
                                             console: console)
            }
            try Commands.evaluate(try data.load(), index: URL(fileURLWithPath: index), model: embedding.modelURL,
                                  rules: aggregate, k: k, targetPrecision: targetPrecision, json: json,
                                  batchSize: embedding.batch, threads: embedding.threads(for: Host.self),
                                  decode: embedding.decode, route: route, filter: try filter.filter(), expansion: qe,
                                  console: console, cluster: cluster, head: head)
        }
    }
}
