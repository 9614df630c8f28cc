import Embedder
/// Folds an inference-mode BatchNorm into the convolution before it and rearranges the PyTorch weight
/// (`[out][in][kh][kw]`, row-major) into the `FoldedModel` layouts:
/// w' = w·γ/√(var+ε), b' = β − mean·γ/√(var+ε), computed in Double.
public struct BatchNorm: Sendable {
    public static let epsilon = 1e-3

    public var gamma: [Float]
    public var beta: [Float]
    public var mean: [Float]
    public var variance: [Float]

    public init(gamma: [Float], beta: [Float], mean: [Float], variance: [Float]) {
        self.gamma = gamma
        self.beta = beta
        self.mean = mean
        self.variance = variance
    }

    /// γ/√(var+ε) per channel.
    public var scale: [Double] {
        (0..<gamma.count).map { Double(gamma[$0]) / (Double(variance[$0]) + Self.epsilon).squareRoot() }
    }

    /// β − mean·γ/√(var+ε) per channel.
    public var foldedBias: [Float] {
        let s = scale
        return (0..<beta.count).map { Float(Double(beta[$0]) - Double(mean[$0]) * s[$0]) }
    }
}

/// How a folded convolution's weight is laid out (see `FoldedModel`).
public enum ConvKind: Sendable {
    /// Dense k×k convolution → HWIO `[kh][kw][cin][cout]`.
    case dense
    /// 1×1 convolution → `[cin][cout]`.
    case pointwise
    /// Depthwise k×k (PyTorch `[c][1][kh][kw]`) → `[kh][kw][c]`.
    case depthwise
}

public enum BatchNormFolding {
    /// Folds `bn` into `weight` (PyTorch `[out][in][kh][kw]` row-major, `in` = 1 for depthwise).
    public static func fold(weight: [Float], outChannels: Int, inChannels: Int, kernel: Int, stride: Int,
                            kind: ConvKind, bn: BatchNorm) -> ConvWeights {
        let scale = bn.scale
        let k2 = kernel * kernel
        var out = [Float](repeating: 0, count: weight.count)
        switch kind {
        case .dense, .pointwise:
            // source index ((o·cin + c)·k2 + t), destination ((t·cin + c)·cout + o); t = kh·kernel + kw
            for o in 0..<outChannels {
                for c in 0..<inChannels {
                    for t in 0..<k2 {
                        let w = Double(weight[(o * inChannels + c) * k2 + t]) * scale[o]
                        out[(t * inChannels + c) * outChannels + o] = Float(w)
                    }
                }
            }
        case .depthwise:
            for c in 0..<outChannels {
                for t in 0..<k2 {
                    out[t * outChannels + c] = Float(Double(weight[c * k2 + t]) * scale[c])
                }
            }
        }
        return ConvWeights(kernel: kernel, stride: stride,
                           inChannels: kind == .depthwise ? outChannels : inChannels,
                           outChannels: outChannels, weight: out, bias: bn.foldedBias)
    }
}
