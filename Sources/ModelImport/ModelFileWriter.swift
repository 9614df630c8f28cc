import Embedder
import Foundation
import HDF5

extension ModelFile {
    /// Writes `model` to `url` (replacing it). The file is written beside and renamed into place.
    public static func write(_ model: FoldedModel, to url: URL) throws(ModelFileError) {
        let partial = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            let file = try H5File.create(at: partial)
            do {
                try writeContents(model, into: file)
                try file.close()
            } catch {
                try? file.close()
                throw error
            }
            guard rename(partial.path, url.path) == 0 else {
                throw ModelFileError(file: url.path, reason: .cannotWrite(
                    detail: "cannot move the written file into place: \(String(cString: strerror(errno)))"))
            }
        } catch let error as ModelFileError {
            try? FileManager.default.removeItem(at: partial)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw ModelFileError(file: url.path, reason: .cannotWrite(detail: "\(error)"))
        }
    }

    private static func writeContents(_ model: FoldedModel, into file: H5File) throws {
        let v = model.variant
        try file.setAttribute("format", ModelFile.format)
        try file.setAttribute("format_version", ModelFile.formatVersion)
        try file.setAttribute("architecture", "efficientnet-\(v.rawValue)")
        try file.setAttribute("variant", v.rawValue)
        try file.setAttribute("input_size", model.inputSize)
        try file.setAttribute("width_multiplier", v.widthMultiplier)
        try file.setAttribute("depth_multiplier", v.depthMultiplier)
        try file.setAttribute("normalization_mean", ModelFile.normalizationMean)
        try file.setAttribute("normalization_std", ModelFile.normalizationStd)
        try file.setAttribute("input_layout", "NHWC RGB")
        try file.setAttribute("feature_dimension", model.featureDimension)
        try file.setAttribute("class_count", model.classCount)
        try file.setAttribute("block_count", model.blocks.count)
        try file.setAttribute("batchnorm_epsilon", BatchNorm.epsilon)
        try file.setAttribute("source_sha256", model.sourceChecksum)
        try file.setAttribute("weight_layouts", ModelFile.layouts)

        try writeConv(model.stem, dense: true, in: file.createGroup("stem"))
        let blocks = try file.createGroup("blocks")
        for (i, block) in model.blocks.enumerated() {
            let g = try blocks.createGroup(ModelFile.blockName(i))
            try g.setAttribute("residual", block.residual ? 1 : 0)
            try g.setAttribute("expand_ratio", block.expand.map { $0.outChannels / $0.inChannels } ?? 1)
            if let expand = block.expand { try writeConv(expand, dense: false, in: g.createGroup("expand")) }
            try writeConv(block.depthwise, dense: false, depthwise: true, in: g.createGroup("depthwise"))
            try writeConv(block.project, dense: false, in: g.createGroup("project"))
        }
        try writeConv(model.head, dense: false, in: file.createGroup("head"))
        let classifier = try file.createGroup("classifier")
        try classifier.createDataset("weight", values: model.classifierWeight,
                                     shape: [model.featureDimension, model.classCount])
        try classifier.createDataset("bias", values: model.classifierBias)
    }

    private static func writeConv(_ conv: ConvWeights, dense: Bool, depthwise: Bool = false,
                                  in group: H5Group) throws {
        let k = conv.kernel
        let shape = dense ? [k, k, conv.inChannels, conv.outChannels]
            : depthwise ? [k, k, conv.outChannels] : [conv.inChannels, conv.outChannels]
        try group.createDataset("weight", values: conv.weight, shape: shape)
        try group.createDataset("bias", values: conv.bias)
        try group.setAttribute("kernel", k)
        try group.setAttribute("stride", conv.stride)
    }
}
