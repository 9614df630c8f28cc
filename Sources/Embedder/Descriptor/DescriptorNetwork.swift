/// A descriptor's passes over a batch of prepared photos: one `Network` per input size (pooling as the
/// descriptor says), each run on the photos and, with flip, on their mirror images in the same batch; the
/// passes' L2-normalised features are summed and the sum L2-normalised. The standard descriptor is one
/// pass, whose normalised features are returned as they are.
///
/// Not reentrant: one `embed` at a time.
public final class DescriptorNetwork: @unchecked Sendable {
    public let descriptor: Descriptor
    public let input: DescriptorInput
    /// One network per scale, each taking up to `maxBatch` photos (twice as many images with flip).
    public let networks: [Network]
    public let maxBatch: Int
    /// One size's tensors of a batch gathered, then their mirrors (absent for the standard descriptor).
    private let staging: FloatBuffer?

    public var featureDimension: Int { networks[0].featureDimension }
    public var classCount: Int { networks[0].classCount }

    public init(model: FoldedModel, descriptor: Descriptor = .standard, maxBatch: Int, threads: Int) {
        precondition(maxBatch >= 1 && threads >= 1, "batch and threads must be positive")
        self.descriptor = descriptor
        self.maxBatch = maxBatch
        let sizes = descriptor.inputSizes(modelSize: model.inputSize)
        input = DescriptorInput(sizes: sizes)
        let copies = descriptor.views
        networks = sizes.map {
            Network(model: model, maxBatch: maxBatch * copies, threads: threads, inputSize: $0, pooling: descriptor.pooling)
        }
        let largest = input.preprocessors.map(\.tensorCount).max() ?? 0
        staging = descriptor.passes == 1 ? nil : FloatBuffer(count: maxBatch * copies * largest)
    }

    /// `count` prepared photos (`input.count` floats each, as `DescriptorInput.write` lays them out) →
    /// `[count × featureDimension]` L2-normalised embeddings, and the logits of the first size's pass on the
    /// photos as they are (`[count × classCount]`).
    public func embed(_ photos: UnsafeBufferPointer<Float>, count: Int) -> (embeddings: [Float], logits: [Float]) {
        precondition(count >= 0 && count <= maxBatch, "batch of \(count) exceeds maxBatch \(maxBatch)")
        precondition(photos.count >= count * input.count, "input holds fewer than \(count) photos")
        let f = featureDimension
        guard let staging, count > 0, let base = photos.baseAddress else {
            let (features, logits) = networks[0].forward(photos, count: count)
            return (Network.normalized(features, dimension: f), logits)
        }
        let copies = descriptor.views
        var sum = [Float](repeating: 0, count: count * f)
        var logits: [Float] = []
        for (k, network) in networks.enumerated() {
            let preprocessor = input.preprocessors[k], per = preprocessor.tensorCount, offset = input.offsets[k]
            for i in 0..<count {
                let source = base + i * input.count + offset, target = staging.pointer + i * per
                target.update(from: source, count: per)
                if descriptor.flip {
                    Self.mirror(source, side: preprocessor.size, into: staging.pointer + (count + i) * per)
                }
            }
            let (features, passLogits) = network.forward(UnsafeBufferPointer(start: staging.pointer, count: copies * count * per),
                                                         count: copies * count)
            if k == 0 { logits = Array(passLogits.prefix(count * classCount)) }
            let normal = Network.normalized(features, dimension: f)
            sum.withUnsafeMutableBufferPointer { sum in
                normal.withUnsafeBufferPointer { normal in
                    for j in 0..<(copies * count * f) { sum[j % (count * f)] += normal[j] }
                }
            }
        }
        return (Network.normalized(sum, dimension: f), logits)
    }

    /// The horizontal mirror of a `side × side × 3` HWC tensor.
    static func mirror(_ source: UnsafePointer<Float>, side: Int, into target: UnsafeMutablePointer<Float>) {
        for y in 0..<side {
            let row = y * side * 3
            for x in 0..<side {
                let from = source + row + (side - 1 - x) * 3, to = target + row + x * 3
                to[0] = from[0]
                to[1] = from[1]
                to[2] = from[2]
            }
        }
    }
}
