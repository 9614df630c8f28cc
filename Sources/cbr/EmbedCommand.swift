import ArgumentParser
import Embedder
import Foundation
import ModelImport
import HDF5

/// `cbr embed`: photos → L2-normalised embeddings in an HDF5 file (`embeddings` [n, d] float32, `paths` [n]).
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed photos with an EfficientNet-Lite model file into an HDF5 file.",
        discussion: """
            Writes `embeddings` [n, d] (float32, L2-normalised) and `paths` [n] for the images that decoded, \
            in input order; directories are searched recursively for .jpg/.jpeg/.png. Images that fail are \
            listed on stderr and skipped (exit code 1).
            """)

    @Argument(help: "Image files or directories.") var inputs: [String]
    @Option(help: "Model file written by `cbr model import`.") var model: String
    @Option(help: "Output HDF5 file.") var out: String
    @Option(help: "Images per forward pass.") var batch = 32
    @Option(help: "Threads for the forward pass.") var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        var failed = 0
        try runImageCommand {
            let files = ImageFiles.expand(inputs)
            let embedder = try ImageEmbedder(modelFile: URL(fileURLWithPath: model), batchSize: batch, threads: threads)
            var paths: [String] = []
            var embeddings: [Float] = []
            let start = Date()
            var done = 0
            embedder.run(files) { batch in
                failed += ImageFiles.report(batch.failures)
                paths += batch.files.map(\.path)
                embeddings += batch.embeddings
                done += batch.count + batch.failures.count
                Progress.report(done: done, total: files.count, since: start)
            }
            try EmbeddingsFile.write(to: out, embeddings: embeddings, paths: paths,
                                     dimension: embedder.network.featureDimension, embedder: embedder)
        }
        if failed > 0 {
            FileHandle.standardError.write(Data("cbr: \(failed) image(s) failed\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// The embeddings file `cbr embed` writes.
enum EmbeddingsFile {
    static func write(to path: String, embeddings: [Float], paths: [String], dimension: Int,
                      embedder: ImageEmbedder) throws {
        let file = try H5File.create(at: path)
        try file.createDataset("embeddings", values: embeddings, shape: [paths.count, dimension])
        try file.createDataset("paths", strings: paths)
        try file.setAttribute("dimension", Int64(dimension))
        try file.setAttribute("count", Int64(paths.count))
        try file.setAttribute("architecture", "efficientnet-\(embedder.variant.rawValue)")
        try file.setAttribute("model_checksum", embedder.sourceChecksum)
        try file.setAttribute("normalized", "l2")
        try file.close()
    }
}
