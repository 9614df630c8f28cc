import Imaging

/// One photo's network input under a descriptor: its preprocessed tensor at each of the descriptor's input
/// sizes, one after the other (`Preprocessor`: Pillow-exact resize, centre crop, (x − 127)/128).
public struct DescriptorInput: Sendable {
    public let preprocessors: [Preprocessor]
    /// Where each size's tensor starts, in floats.
    public let offsets: [Int]
    /// Floats per photo: Σ size² · 3.
    public let count: Int

    public init(sizes: [Int]) {
        precondition(!sizes.isEmpty, "DescriptorInput: no input size")
        preprocessors = sizes.map { Preprocessor(size: $0) }
        var offsets: [Int] = [], count = 0
        for preprocessor in preprocessors {
            offsets.append(count)
            count += preprocessor.tensorCount
        }
        self.offsets = offsets
        self.count = count
    }

    public init(descriptor: Descriptor, modelSize: Int) {
        self.init(sizes: descriptor.inputSizes(modelSize: modelSize))
    }

    /// The preprocessor of the largest size: a JPEG may be drafted down to its shorter side, not further.
    public var largest: Preprocessor { preprocessors.max { $0.size < $1.size }! }

    /// Writes every size's tensor of `image` to the first `count` floats of `buffer`.
    public func write(_ image: RGBImage, into buffer: UnsafeMutableBufferPointer<Float>) {
        precondition(buffer.count >= count, "DescriptorInput: buffer holds \(buffer.count) < \(count) floats")
        for (preprocessor, offset) in zip(preprocessors, offsets) {
            preprocessor.tensor(from: image, into: UnsafeMutableBufferPointer(
                rebasing: buffer[offset..<(offset + preprocessor.tensorCount)]))
        }
    }
}
