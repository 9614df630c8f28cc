import ArgumentParser
import CLI
import Pipeline

/// `cbr embed`: photos → L2-normalised embeddings in an HDF5 file (`embeddings` [n, d] float32, `paths` [n]).
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed photos with an EfficientNet-Lite model file into an HDF5 file.",
        discussion: """
            Writes `embeddings` [n, d] (float32, L2-normalised) and `paths` [n] for the images that decoded, \
            in input order (see README, "Image inputs", for how files and directories are walked). Inputs \
            that fail are listed on stderr and skipped (exit code 1). The file appears only when complete.
            """)

    @Argument(help: "Image files or directories.") var inputs: [String]
    @Option(help: "Output HDF5 file.") var out: String
    @OptionGroup var embedding: EmbeddingArguments
    @Flag(help: "Also store `pixels` [n, S, S, 3] uint8: each image resized and cropped as the network sees it (the input of a `cbr export` model).")
    var pixels = false

    func run() throws {
        try runCommand { console in
            try Commands.embed(inputs, model: embedding.modelOrDefault, out: out, batchSize: embedding.batch,
                               threads: embedding.threads(for: LocalHost.self), decode: embedding.decode, pixels: pixels, console: console)
        }
    }
}
