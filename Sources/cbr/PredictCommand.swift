import ArgumentParser
import Embedder
import Foundation
import ModelImport

/// `cbr predict`: the ImageNet head as a sanity check of a model file (class indices and softmax probabilities).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Print the top ImageNet classes (index, probability) of photos.")

    @Argument(help: "Image files or directories.") var inputs: [String]
    @Option(help: "Model file written by `cbr model import`.") var model: String
    @Option(help: "Classes per image.") var top = 5
    @Option(help: "Threads for the forward pass.") var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        var failed = 0
        try runImageCommand {
            let files = ImageFiles.expand(inputs)
            let embedder = try ImageEmbedder(modelFile: URL(fileURLWithPath: model), batchSize: 8, threads: threads)
            embedder.run(files) { batch in
                failed += ImageFiles.report(batch.failures)
                for (row, file) in batch.files.enumerated() {
                    let ranked = Softmax.top(Array(batch.logits(row)), top)
                    print(file.path + "\t" + ranked.map { "\($0.index):" + String(format: "%.4f", $0.probability) }
                        .joined(separator: " "))
                }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

enum Softmax {
    /// The `k` most probable classes of `logits` under a softmax, most probable first.
    static func top(_ logits: [Float], _ k: Int) -> [(index: Int, probability: Double)] {
        let peak = Double(logits.max() ?? 0)
        let exps = logits.map { Foundation.exp(Double($0) - peak) }
        let sum = exps.reduce(0, +)
        return exps.indices.sorted { exps[$0] > exps[$1] }.prefix(k).map { ($0, exps[$0] / sum) }
    }
}
