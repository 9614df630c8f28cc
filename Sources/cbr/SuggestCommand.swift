import Aggregate
import ArgumentParser
import CLI
import Foundation
import Pipeline

extension Uncertainty: ExpressibleByArgument {}

/// `cbr suggest`: the unlabelled photos worth labelling next (active learning; docs/learning.md).
struct SuggestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Rank unlabelled photos by how unsure the classifier is; CSV image,score,top1,top2, most unsure first.",
        discussion: "score is the margin between the two best classes (smaller: more unsure), the entropy, or 1 − the best class's probability (larger: more unsure).")

    @Argument(help: "Image files or directories (searched recursively).") var inputs: [String]
    @Option(help: "The index directory.") var index: String
    @Option(help: "Photos to suggest.") var count = 20
    @Option(help: "margin, entropy or least-confidence.") var by: Uncertainty = .margin
    @Flag(help: "Spread the suggestions out: greedy k-center over the embeddings of the 2 × count most unsure.") var diverse = false
    @Option(help: "Aggregation rule of the retrieval: max, mean, sum, vote, power[:P], prototype.") var aggregate: AggregationRule = .max
    @Option(help: "Neighbours retrieved per photo (2…\(Limits.neighbours.upperBound)).") var k = 50
    @Option(help: "Write the CSV here instead of stdout.") var out: String?
    @OptionGroup var embedding: EmbeddingArguments

    func validate() throws {
        try checkOption(count, "--count", 1...1_000_000)
        try checkOption(k, "--k", 2...Limits.neighbours.upperBound)
    }

    func run() throws {
        try runCommand { console in
            try Commands.suggest(inputs, index: URL(fileURLWithPath: index), model: embedding.modelURL, options: .init(
                count: count, by: by, diverse: diverse, rule: aggregate, k: k, batchSize: embedding.batch,
                threads: embedding.threads(for: LocalHost.self), decode: embedding.decode),
                out: out, console: console)
        }
    }
}
