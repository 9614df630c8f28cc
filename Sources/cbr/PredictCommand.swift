import ArgumentParser
import CLI
import Pipeline

/// `cbr predict`: the ImageNet head as a sanity check of a model file (class indices and softmax probabilities).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Print the top ImageNet classes (index, probability) of photos.")

    @Argument(help: "Image files or directories.") var inputs: [String]
    @Option(help: "Classes per image (1…\(Limits.top.upperBound)).") var top = 5
    @OptionGroup var embedding: EmbeddingArguments

    func validate() throws { try checkOption(top, "--top", Limits.top) }

    func run() throws {
        try runCommand { console in
            try Commands.predict(inputs, model: embedding.modelOrDefault, top: top, batchSize: embedding.batch,
                                 threads: embedding.threads(for: LocalHost.self), console: console)
        }
    }
}
