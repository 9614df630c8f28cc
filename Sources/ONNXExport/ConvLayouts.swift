import Embedder

/// cbr's NHWC weight layouts (FoldedModel.swift) rearranged into ONNX Conv's OIHW.
enum ConvLayouts {
    /// Standard convolution: HWIO `[kh][kw][cin][cout]` → `[cout][cin][kh][kw]`.
    static func standard(_ c: ConvWeights) -> (values: [Float], dims: [Int]) {
        let k = c.kernel, cin = c.inChannels, cout = c.outChannels
        var out = [Float](repeating: 0, count: c.weight.count)
        for h in 0..<k { for w in 0..<k { for i in 0..<cin { for o in 0..<cout {
            out[((o * cin + i) * k + h) * k + w] = c.weight[((h * k + w) * cin + i) * cout + o]
        } } } }
        return (out, [cout, cin, k, k])
    }

    /// Pointwise (1×1): `[cin][cout]` → `[cout][cin][1][1]`.
    static func pointwise(_ c: ConvWeights) -> (values: [Float], dims: [Int]) {
        let cin = c.inChannels, cout = c.outChannels
        var out = [Float](repeating: 0, count: c.weight.count)
        for i in 0..<cin { for o in 0..<cout { out[o * cin + i] = c.weight[i * cout + o] } }
        return (out, [cout, cin, 1, 1])
    }

    /// Depthwise: `[kh][kw][c]` → `[c][1][kh][kw]` (Conv with group = c).
    static func depthwise(_ c: ConvWeights) -> (values: [Float], dims: [Int]) {
        let k = c.kernel, channels = c.outChannels
        var out = [Float](repeating: 0, count: c.weight.count)
        for h in 0..<k { for w in 0..<k { for ch in 0..<channels {
            out[(ch * k + h) * k + w] = c.weight[(h * k + w) * channels + ch]
        } } }
        return (out, [channels, 1, k, k])
    }
}
