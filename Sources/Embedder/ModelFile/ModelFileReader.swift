import Foundation
import HDF5

extension ModelFile {
    /// Reads a model file written by `write(_:to:)`, checking its format, version, every integer
    /// attribute's type, and every tensor's type, shape (against the variant's architecture) and values
    /// (finite).
    public static func read(_ url: URL) throws(ModelFileError) -> FoldedModel {
        do {
            let file = try H5File.open(at: url)
            defer { try? file.close() }
            return try ModelFileReader(file: file, path: url.path).model()
        } catch let error as ModelFileError {
            throw error
        } catch let error as HDF5Error {
            throw ModelFileError(file: url.path, reason: .unreadable(detail: "\(error.action)"
                + "\(error.object.map { " '\($0)'" } ?? ""): \(error.message)"))
        } catch {
            throw ModelFileError(file: url.path, reason: .unreadable(detail: "\(error)"))
        }
    }
}

private struct ModelFileReader {
    let file: H5File
    let path: String

    func fail(_ reason: ModelFileError.Reason) -> ModelFileError { ModelFileError(file: path, reason: reason) }

    func model() throws -> FoldedModel {
        guard try file.hasAttribute("format"), try file.attribute("format", as: String.self) == ModelFile.format else {
            throw fail(.notAModelFile(detail: "no format attribute '\(ModelFile.format)'"))
        }
        let version = try integer(file, "format_version")
        guard version == ModelFile.formatVersion else { throw fail(.unsupportedVersion(version)) }
        let name = try file.attribute("variant", as: String.self)
        guard let variant = Variant(rawValue: name) else { throw fail(.malformed(detail: "unknown variant '\(name)'")) }
        let specs = variant.blocks
        let blockCount = try integer(file, "block_count")
        guard blockCount == specs.count else {
            throw fail(.malformed(detail: "\(blockCount) blocks, EfficientNet-\(variant.rawValue) has \(specs.count)"))
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
        let checksum = try file.attribute("source_sha256", as: String.self)
        guard checksum.utf8.count == 64, checksum.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw fail(.malformed(detail: "source_sha256 is not a SHA-256 hex digest"))
        }
        return FoldedModel(variant: variant, stem: stem, blocks: blocks, head: head, classifierWeight: weight,
                           classifierBias: bias, sourceChecksum: checksum)
    }

    /// An integer attribute, stored as an integer (HDF5 would otherwise convert a float or clamp silently).
    func integer(_ object: H5Object, _ name: String) throws -> Int {
        let type = try object.attributeType(name)
        guard [.int8, .int16, .int32, .int64, .uint8, .uint16, .uint32].contains(type) else {
            throw fail(.malformed(detail: "\(object.name == "/" ? "" : object.name + "/")@\(name) is \(type), expected an integer"))
        }
        return try object.attribute(name, as: Int.self)
    }

    /// A float dataset of exactly `shape`, every value finite.
    func tensor(_ group: H5Group, _ name: String, shape: [Int]) throws -> [Float] {
        let dataset = try group.dataset(name)
        let label = "\(group.name.hasPrefix("/") ? String(group.name.dropFirst()) : group.name)/\(name)"
        let actual = try dataset.shape
        guard actual == shape else { throw fail(.malformed(detail: "\(label) has shape \(actual), expected \(shape)")) }
        let type = try dataset.elementType
        guard [.float16, .float32, .float64].contains(type) else {
            throw fail(.malformed(detail: "\(label) is \(type), expected float32"))
        }
        let values = try dataset.read(as: Float.self)
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw fail(.nonFinite(dataset: label, index: bad)) }
        return values
    }

    /// A convolution group; `shape` is its weight's stored shape (see `ModelFile`).
    func conv(_ name: String, shape: [Int], kernel: Int, stride: Int) throws -> ConvWeights {
        let group = try file.group(name)
        let weight = try tensor(group, "weight", shape: shape)
        let out = shape.last!
        let bias = try tensor(group, "bias", shape: [out])
        guard try integer(group, "kernel") == kernel, try integer(group, "stride") == stride else {
            throw fail(.malformed(detail: "\(name): kernel/stride differ from EfficientNet-Lite's"))
        }
        let cin = shape.count == 4 ? shape[2] : shape.count == 3 ? out : shape[0]
        return ConvWeights(kernel: kernel, stride: stride, inChannels: cin, outChannels: out,
                           weight: weight, bias: bias)
    }
}
