/// The in-memory form of an EfficientNet-Lite network with every BatchNorm folded into its convolution.
/// The checkpoint importer produces it; the forward pass consumes it; the model file stores it.
///
/// Weight layouts (row-major, chosen so that NHWC activations feed SGEMM directly):
/// - standard convolution (stem): HWIO, `[kh][kw][cin][cout]`, i.e. the `[kh·kw·cin × cout]` im2col matrix
/// - pointwise (1×1) convolution: `[cin][cout]`
/// - depthwise convolution: `[kh][kw][channels]`
/// - classifier: `[features][classes]`

/// One of the EfficientNet-Lite variants cbr supports.
public enum Variant: String, Sendable, CaseIterable, Codable {
    case lite0, lite1, lite2

    /// Input resolution (square) the variant was trained at.
    public var inputSize: Int {
        switch self {
        case .lite0: 224
        case .lite1: 240
        case .lite2: 260
        }
    }

    public var widthMultiplier: Double {
        switch self {
        case .lite0, .lite1: 1.0
        case .lite2: 1.1
        }
    }

    public var depthMultiplier: Double {
        switch self {
        case .lite0: 1.0
        case .lite1: 1.1
        case .lite2: 1.2
        }
    }
}

/// A convolution's folded weights and bias in the layout given above.
public struct ConvWeights: Sendable, Equatable {
    public var kernel: Int
    public var stride: Int
    public var inChannels: Int
    public var outChannels: Int
    public var weight: [Float]
    public var bias: [Float]

    public init(kernel: Int, stride: Int, inChannels: Int, outChannels: Int, weight: [Float], bias: [Float]) {
        self.kernel = kernel
        self.stride = stride
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.weight = weight
        self.bias = bias
    }
}

/// An MBConv block (no squeeze-excite in the Lite variants): optional 1×1 expansion with ReLU6,
/// depthwise k×k with ReLU6, 1×1 projection without activation, residual add when `residual`.
public struct FoldedBlock: Sendable, Equatable {
    /// nil when the expansion ratio is 1.
    public var expand: ConvWeights?
    /// Depthwise: `inChannels == outChannels` == the expanded width.
    public var depthwise: ConvWeights
    public var project: ConvWeights
    /// Stride 1 and input width == output width.
    public var residual: Bool

    public init(expand: ConvWeights?, depthwise: ConvWeights, project: ConvWeights, residual: Bool) {
        self.expand = expand
        self.depthwise = depthwise
        self.project = project
        self.residual = residual
    }
}

/// A whole folded network: stem 3×3/2 conv + ReLU6, the MBConv blocks, 1×1 head conv to 1280 + ReLU6,
/// global average pool (the embedding), then the ImageNet classifier.
public struct FoldedModel: Sendable, Equatable {
    public var variant: Variant
    public var stem: ConvWeights
    public var blocks: [FoldedBlock]
    public var head: ConvWeights
    /// `[features][classes]`.
    public var classifierWeight: [Float]
    public var classifierBias: [Float]
    /// SHA-256 (hex) of the checkpoint file the weights came from.
    public var sourceChecksum: String

    public var inputSize: Int { variant.inputSize }
    public var featureDimension: Int { head.outChannels }
    public var classCount: Int { classifierBias.count }

    public init(variant: Variant, stem: ConvWeights, blocks: [FoldedBlock], head: ConvWeights,
                classifierWeight: [Float], classifierBias: [Float], sourceChecksum: String) {
        self.variant = variant
        self.stem = stem
        self.blocks = blocks
        self.head = head
        self.classifierWeight = classifierWeight
        self.classifierBias = classifierBias
        self.sourceChecksum = sourceChecksum
    }
}
