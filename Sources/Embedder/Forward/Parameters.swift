/// The folded weights and biases of one convolution, copied once into aligned storage.
struct ConvParameters: @unchecked Sendable {
    let weight: FloatBuffer
    let bias: FloatBuffer

    init(_ conv: ConvWeights) {
        weight = FloatBuffer(conv.weight)
        bias = FloatBuffer(conv.bias)
    }

    var w: UnsafeMutablePointer<Float> { weight.pointer }
    var b: UnsafeMutablePointer<Float> { bias.pointer }
}

/// Every layer's parameters, indexed like `Plan`.
struct Parameters: @unchecked Sendable {
    struct Block: @unchecked Sendable {
        let expand: ConvParameters?
        let depthwise: ConvParameters
        let project: ConvParameters
    }

    let stem: ConvParameters
    let blocks: [Block]
    let head: ConvParameters
    let classifierWeight: FloatBuffer
    let classifierBias: FloatBuffer

    init(_ model: FoldedModel) {
        stem = ConvParameters(model.stem)
        blocks = model.blocks.map {
            Block(expand: $0.expand.map(ConvParameters.init), depthwise: ConvParameters($0.depthwise),
                  project: ConvParameters($0.project))
        }
        head = ConvParameters(model.head)
        classifierWeight = FloatBuffer(model.classifierWeight)
        classifierBias = FloatBuffer(model.classifierBias)
    }
}
