import Embedder

/// The embedding half of the exported graph: uint8 NHWC pixels → normalized, the folded EfficientNet-Lite
/// network (Conv with TF-SAME padding as explicit pads, Clip 0…6 for ReLU6, depthwise Conv with group,
/// residual Add), GlobalAveragePool, Flatten, and the L2 normalization cbr applies to every embedding.
extension GraphBuilder {
    /// `(x − mean) / std` on the Cast pixels, after the uint8 Transpose to NCHW (a quarter of the bytes).
    mutating func preprocess(_ pixels: String, mean: Float, std: Float) -> String {
        let nchw = apply("Transpose", [pixels], [Attribute.ints("perm", [0, 3, 1, 2])])
        let floats = apply("Cast", [nchw], [Attribute.int("to", 1)])
        let centred = apply("Sub", [floats, float32("mean", [mean], dims: [])])
        return apply("Div", [centred, float32("std", [std], dims: [])])
    }

    /// The pooled features `[N, 1280]` (raw, as `Network.forward` returns them) of `input` `[N, 3, S, S]`.
    mutating func features(_ model: FoldedModel, input: String) -> String {
        let relu = (float32("zero", [0], dims: []), float32("six", [6], dims: []))
        var size = model.inputSize
        func conv(_ g: inout GraphBuilder, _ x: String, _ c: ConvWeights, group: Int,
                  layout: (ConvWeights) -> (values: [Float], dims: [Int]), relu6: Bool) -> String {
            let pad = SamePadding(input: size, kernel: c.kernel, stride: c.stride)
            let (values, dims) = layout(c)
            var y = g.apply("Conv", [x, g.weight("w", values, dims: dims), g.float32("b", c.bias, dims: [c.bias.count])], [
                Attribute.ints("kernel_shape", [c.kernel, c.kernel]), Attribute.ints("strides", [c.stride, c.stride]),
                Attribute.ints("pads", [pad.before, pad.before, pad.after, pad.after]), Attribute.int("group", group),
            ])
            if relu6 { y = g.apply("Clip", [y, relu.0, relu.1]) }
            size = pad.output
            return y
        }
        var x = conv(&self, input, model.stem, group: 1, layout: ConvLayouts.standard, relu6: true)
        for block in model.blocks {
            let blockInput = x
            if let expand = block.expand {
                x = conv(&self, x, expand, group: 1, layout: ConvLayouts.pointwise, relu6: true)
            }
            x = conv(&self, x, block.depthwise, group: block.depthwise.outChannels, layout: ConvLayouts.depthwise, relu6: true)
            x = conv(&self, x, block.project, group: 1, layout: ConvLayouts.pointwise, relu6: false)
            if block.residual { x = apply("Add", [x, blockInput]) }
        }
        x = conv(&self, x, model.head, group: 1, layout: ConvLayouts.pointwise, relu6: true)
        let pooled = apply("GlobalAveragePool", [x])
        return apply("Flatten", [pooled], [Attribute.int("axis", 1)])
    }

    /// Rows divided by their L2 norm; a zero row stays zero (as `Network.normalized`: the norm is raised to
    /// the smallest normal float, so 0 / tiny = 0, and any real norm is far above it).
    mutating func l2Normalized(_ x: String) -> String {
        let norm = apply("ReduceL2", [x], [Attribute.ints("axes", [1]), Attribute.int("keepdims", 1)])
        let floor = apply("Max", [norm, float32("tiny", [Float.leastNormalMagnitude], dims: [])])
        return apply("Div", [x, floor])
    }
}
