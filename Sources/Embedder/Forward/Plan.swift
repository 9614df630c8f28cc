/// The layer-by-layer shape of a forward pass, worked out once from a `FoldedModel`:
/// every convolution with its input/output geometry (per image, NHWC).
struct Plan: Sendable {
    struct Shape: Equatable, Sendable {
        var height: Int
        var width: Int
        var channels: Int
        var pixels: Int { height * width }
        var count: Int { height * width * channels }
    }

    struct Depthwise: Sendable {
        let conv: ConvWeights
        let input: Shape
        let output: Shape
        let rows: SamePadding
        let cols: SamePadding
    }

    struct Block: Sendable {
        let input: Shape
        let expand: ConvWeights?
        let expanded: Shape
        let depthwise: Depthwise
        let project: ConvWeights
        let output: Shape
        let residual: Bool
    }

    let image: Shape
    let stem: ConvWeights
    let stemRows: SamePadding
    let stemCols: SamePadding
    let stemOutput: Shape
    let blocks: [Block]
    let head: ConvWeights
    let headOutput: Shape
    let classifierWeight: [Float]
    let classifierBias: [Float]

    var features: Int { head.outChannels }
    var classes: Int { classifierBias.count }

    /// The largest activation (floats per image) the stem and blocks `..<split` write.
    func largestEarly(split: Int) -> Int {
        blocks[..<split].reduce(stemOutput.count) { max($0, $1.expanded.count, $1.depthwise.output.count, $1.output.count) }
    }

    /// The largest activation (floats per image) blocks `split...` and the head write.
    func largestLate(split: Int) -> Int {
        blocks[split...].reduce(headOutput.count) { max($0, $1.expanded.count, $1.depthwise.output.count, $1.output.count) }
    }

    /// Floats per image of the activations entering block `split` (the head's input when it is the end).
    func stagedCount(split: Int) -> Int {
        split < blocks.count ? blocks[split].input.count : Shape(height: headOutput.height, width: headOutput.width,
                                                                 channels: head.inChannels).count
    }

    /// The first block whose input has at most `pixels` pixels per image.
    func firstBlock(atMostPixels pixels: Int) -> Int {
        blocks.firstIndex { $0.input.pixels <= pixels } ?? blocks.count
    }

    /// Multiply-adds per image of every convolution and the classifier.
    var multiplyAdds: Int {
        var total = stemOutput.pixels * stem.kernel * stem.kernel * stem.inChannels * stem.outChannels
        for b in blocks {
            if b.expand != nil { total += b.input.pixels * b.input.channels * b.expanded.channels }
            total += b.depthwise.output.count * b.depthwise.conv.kernel * b.depthwise.conv.kernel
            total += b.output.pixels * b.expanded.channels * b.output.channels
        }
        total += headOutput.pixels * head.inChannels * head.outChannels
        return total + features * classes
    }

    /// - Parameter inputSize: the square input side (the variant's own for real use).
    init(model: FoldedModel, inputSize size: Int) {
        image = Shape(height: size, width: size, channels: model.stem.inChannels)
        stem = model.stem
        stemRows = SamePadding(input: size, kernel: stem.kernel, stride: stem.stride)
        stemCols = stemRows
        stemOutput = Shape(height: stemRows.output, width: stemCols.output, channels: stem.outChannels)
        var shape = stemOutput
        var blocks: [Block] = []
        for b in model.blocks {
            let input = shape
            let expanded = Shape(height: input.height, width: input.width,
                                 channels: b.expand?.outChannels ?? input.channels)
            let k = b.depthwise.kernel, s = b.depthwise.stride
            let rows = SamePadding(input: input.height, kernel: k, stride: s)
            let cols = SamePadding(input: input.width, kernel: k, stride: s)
            let dwOut = Shape(height: rows.output, width: cols.output, channels: expanded.channels)
            let output = Shape(height: dwOut.height, width: dwOut.width, channels: b.project.outChannels)
            precondition(b.expand.map { $0.inChannels == input.channels } ?? true, "expand width mismatch")
            precondition(b.depthwise.inChannels == expanded.channels, "depthwise width mismatch")
            precondition(expanded.channels % 8 == 0, "depthwise width \(expanded.channels) is not a multiple of 8")
            precondition(b.project.inChannels == expanded.channels, "project width mismatch")
            precondition(!b.residual || input == output, "residual block changes shape")
            blocks.append(Block(input: input, expand: b.expand, expanded: expanded,
                                depthwise: Depthwise(conv: b.depthwise, input: expanded, output: dwOut,
                                                     rows: rows, cols: cols),
                                project: b.project, output: output, residual: b.residual))
            shape = output
        }
        self.blocks = blocks
        head = model.head
        precondition(head.inChannels == shape.channels, "head width mismatch")
        headOutput = Shape(height: shape.height, width: shape.width, channels: head.outChannels)
        classifierWeight = model.classifierWeight
        classifierBias = model.classifierBias
        precondition(classifierWeight.count == features * classes, "classifier shape mismatch")
    }
}
