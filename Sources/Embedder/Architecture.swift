/// The EfficientNet-Lite block list, derived from the Lite0 stage table by width and depth scaling
/// (docs/embedder.md, "Architecture"). The importer checks every checkpoint tensor's shape against it.

/// One MBConv block's shape.
public struct BlockSpec: Sendable, Equatable {
    public var kernel: Int
    public var stride: Int
    public var expandRatio: Int
    public var inChannels: Int
    public var outChannels: Int

    /// Width of the depthwise stage.
    public var expandedChannels: Int { inChannels * expandRatio }
    /// Stride 1 and equal widths: the block adds its input to its output.
    public var residual: Bool { stride == 1 && inChannels == outChannels }
}

extension Variant {
    /// The stem's output width, fixed for every variant.
    public static let stemChannels = 32
    /// The head's output width (the embedding dimension), fixed for every variant.
    public static let headChannels = 1280
    /// ImageNet classes of the classifier.
    public static let classCount = 1000

    /// Lite0 stages: (repeats, kernel, stride, expand ratio, in, out).
    static let lite0Stages: [(repeats: Int, kernel: Int, stride: Int, expand: Int, cin: Int, cout: Int)] = [
        (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
        (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
    ]

    /// Channels scaled by the width multiplier, rounded to a multiple of 8 and never more than 10% below.
    public func scaledChannels(_ channels: Int) -> Int {
        let scaled = Double(channels) * widthMultiplier
        var rounded = max(8, Int(scaled + 4) / 8 * 8)
        if Double(rounded) < 0.9 * scaled { rounded += 8 }
        return rounded
    }

    /// Every MBConv block in order. The stem width and the repeats of the first and last stages are fixed.
    public var blocks: [BlockSpec] {
        let stages = Self.lite0Stages
        var specs: [BlockSpec] = []
        for (i, stage) in stages.enumerated() {
            let fixed = i == 0 || i == stages.count - 1
            let repeats = fixed ? stage.repeats : Int((depthMultiplier * Double(stage.repeats)).rounded(.up))
            let cin = i == 0 ? Self.stemChannels : scaledChannels(stage.cin)
            let cout = scaledChannels(stage.cout)
            for r in 0..<repeats {
                specs.append(BlockSpec(kernel: stage.kernel, stride: r == 0 ? stage.stride : 1,
                                       expandRatio: stage.expand, inChannels: r == 0 ? cin : cout,
                                       outChannels: cout))
            }
        }
        return specs
    }
}

extension FoldedModel {
    /// Weights and biases in the folded network, classifier included.
    public var parameterCount: Int {
        let convs = [stem, head] + blocks.flatMap { [$0.expand, $0.depthwise, $0.project].compactMap { $0 } }
        return convs.reduce(classifierWeight.count + classifierBias.count) { $0 + $1.weight.count + $1.bias.count }
    }
}
