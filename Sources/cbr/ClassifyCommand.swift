import Aggregate
import ArgumentParser
import Foundation
import Pipeline

extension AggregationRule: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

extension PredictionWriter.Format: ExpressibleByArgument {}

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify photos by retrieval: nearest indexed images, aggregated per class.",
        discussion: "Images that cannot be decoded are listed on stderr (exit code 1).")

    @Argument(help: "Image files or directories (searched recursively).") var inputs: [String]
    @Option(help: "The index directory.") var index: String
    @Option(help: "Classes reported per image.") var top = 5
    @Option(help: "Neighbours retrieved per image.") var k = 50
    @Option(help: "Aggregation: max, mean, sum, vote, power[:P], prototype.") var aggregate: AggregationRule = .max
    @Option(help: "Below this score (on the rule's scale) the first answer is 'unknown'.") var threshold: Float?
    @Option(help: "Output format: csv or jsonl.") var format: PredictionWriter.Format = .csv
    @Option(help: "Write the predictions here instead of stdout.") var out: String?
    @Option(help: "Images gathered before each search of the index (a large index is streamed once per search).")
    var searchBatch = 1024
    @OptionGroup var embedding: EmbeddingArguments

    func run() throws {
        try runBatch {
            let files = try Dataset.unlabelled(inputs).items.map(\.path)
            let classifier = try Classifier(index: URL(fileURLWithPath: index), model: embedding.modelURL, options: .init(
                top: top, k: k, rule: aggregate, threshold: threshold,
                batchSize: embedding.batch, searchBatch: searchBatch, threads: embedding.threads))
            let handle: FileHandle
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: nil),
                      let file = FileHandle(forWritingAtPath: out) else {
                    throw PipelineError(path: out, reason: "cannot create the output file")
                }
                handle = file
            } else {
                handle = FileHandle.standardOutput
            }
            let writer = PredictionWriter(handle, format: format)
            let failures = try classifier.classify(files, result: { file, predictions in
                writer.write(image: file, predictions: predictions)
            }, failure: { problem in
                writer.flush()
                FileHandle.standardError.write(Data("failed \(problem)\n".utf8))
            })
            writer.flush()
            return failures == 0
        }
    }
}
