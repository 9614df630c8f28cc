import Foundation
import HDF5

/// Why a model file could not be written or read: one line naming the file and the reason.
public struct ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}

extension ModelFile {
    /// Reads a model file written by `write(_:to:)`, checking its format, version, and every tensor's
    /// shape against the variant's architecture.
    public static func read(_ url: URL) throws(ModelFileError) -> FoldedModel {
        do {
            let file = try H5File.open(at: url)
            defer { try? file.close() }
            return try ModelFileReader(file: file, path: url.path).model()
        } catch let error as ModelFileError {
            throw error
        } catch let error as HDF5Error {
            throw ModelFileError(file: url.path, reason: "not a readable cbr model file (\(error.action)"
                + "\(error.object.map { " '\($0)'" } ?? ""): \(error.message))")
        } catch {
            throw ModelFileError(file: url.path, reason: "\(error)")
        }
    }
}

private struct ModelFileReader {
    let file: H5File
    let path: String

    func fail(_ reason: String) -> ModelFileError { ModelFileError(file: path, reason: reason) }

    func model() throws -> FoldedModel {
        guard try file.hasAttribute("format"), try file.attribute("format", as: String.self) == ModelFile.format else {
            throw fail("not a cbr model file (no format attribute '\(ModelFile.format)')")
        }
        let version = try file.attribute("format_version", as: Int.self)
        guard version == ModelFile.formatVersion else {
            throw fail("model file format version \(version), this cbr reads version \(ModelFile.formatVersion)")
        }
        let name = try file.attribute("variant", as: String.self)
        guard let variant = Variant(rawValue: name) else { throw fail("unknown variant '\(name)'") }
        let specs = variant.blocks
        let blockCount = try file.attribute("block_count", as: Int.self)
        guard blockCount == specs.count else {
            throw fail("\(blockCount) blocks, EfficientNet-\(variant.rawValue) has \(specs.count)")
        }
        let stem = try conv("stem", shape: [3, 3, 3, Variant.stemChannels], kernel: 3, stride: 2)
        var blocks: [FoldedBlock] = []
        for (i, spec) in specs.enumerated() {
            let g = "blocks/\(ModelFile.blockName(i))/"
            let mid = spec.expandedChannels
            let expand = spec.expandRatio == 1 ? nil
                : try conv(g + "expand", shape: [spec.inChannels, mid], kernel: 1, stride: 1)
            let depthwise = try conv(g + "depthwise", shape: [spec.kernel, spec.kernel, mid],
                                     kernel: spec.kernel, stride: spec.stride)
            let project = try conv(g + "project", shape: [mid, spec.outChannels], kernel: 1, stride: 1)
            blocks.append(FoldedBlock(expand: expand, depthwise: depthwise, project: project, residual: spec.residual))
        }
        let head = try conv("head", shape: [specs.last!.outChannels, Variant.headChannels], kernel: 1, stride: 1)
        let classifier = try file.group("classifier")
        let weight = try tensor(classifier, "weight", shape: [Variant.headChannels, Variant.classCount])
        let bias = try tensor(classifier, "bias", shape: [Variant.classCount])
        return FoldedModel(variant: variant, stem: stem, blocks: blocks, head: head, classifierWeight: weight,
                           classifierBias: bias, sourceChecksum: try file.attribute("source_sha256", as: String.self))
    }

    func tensor(_ group: H5Group, _ name: String, shape: [Int]) throws -> [Float] {
        let dataset = try group.dataset(name)
        let actual = try dataset.shape
        guard actual == shape else {
            throw fail("\(group.name)/\(name) has shape \(actual), expected \(shape)")
        }
        return try dataset.read(as: Float.self)
    }

    /// A convolution group; `shape` is its weight's stored shape (see `ModelFile`).
    func conv(_ name: String, shape: [Int], kernel: Int, stride: Int) throws -> ConvWeights {
        let group = try file.group(name)
        let weight = try tensor(group, "weight", shape: shape)
        let out = shape.last!
        let bias = try tensor(group, "bias", shape: [out])
        guard try group.attribute("kernel", as: Int.self) == kernel,
              try group.attribute("stride", as: Int.self) == stride else {
            throw fail("\(name): kernel/stride differ from EfficientNet-Lite's")
        }
        let cin = shape.count == 4 ? shape[2] : shape.count == 3 ? out : shape[0]
        return ConvWeights(kernel: kernel, stride: stride, inChannels: cin, outChannels: out,
                           weight: weight, bias: bias)
    }
}
