import Aggregate
import ArgumentParser
import Foundation
import Pipeline

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Classify a labelled query set and report top-1/top-5, GAP, per-class recall and a calibrated threshold.",
        discussion: "Queries whose class is not in the index are distractors. Give several rules as --aggregate max,power,… to compare them on one pass.")

    @OptionGroup var data: DatasetArguments
    @Option(help: "The index directory.") var index: String
    @Option(help: "Aggregation rules, comma-separated (max, mean, sum, vote, power[:P], prototype, or all).")
    var aggregate = "max"
    @Option(help: "Neighbours retrieved per query.") var k = 50
    @Option(help: "Calibrate the threshold for this precision instead of the best F1.") var targetPrecision: Double?
    @Flag(help: "Machine-readable JSON on stdout.") var json = false
    @OptionGroup var embedding: EmbeddingArguments

    func run() throws {
        try runBatch {
            let names = aggregate.split(separator: ",").flatMap { $0 == "all" ? AggregationRule.names : [String($0)] }
            let rules = try names.map { name in
                guard let rule = AggregationRule(name: name) else { throw ValidationError("unknown aggregation rule '\(name)'") }
                return rule
            }
            let result = try Evaluator.run(try data.load(), index: URL(fileURLWithPath: index), model: embedding.modelURL,
                                           rules: rules, k: k, targetPrecision: targetPrecision,
                                           batchSize: embedding.batch, threads: embedding.threads)
            for problem in result.failures { FileHandle.standardError.write(Data("failed \(problem)\n".utf8)) }
            print(json ? result.json : result.summary)
            return result.failures.isEmpty
        }
    }
}
