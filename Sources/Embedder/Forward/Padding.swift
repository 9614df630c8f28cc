/// TensorFlow "SAME" padding along one axis: output = ceil(input / stride); the total padding
/// max((output − 1)·stride + kernel − input, 0) is split with the smaller half before (the extra pixel after).
public struct SamePadding: Equatable, Sendable {
    public let input: Int
    public let output: Int
    public let before: Int
    public let after: Int

    public init(input: Int, kernel: Int, stride: Int) {
        let output = (input + stride - 1) / stride
        let total = max((output - 1) * stride + kernel - input, 0)
        self.input = input
        self.output = output
        self.before = total / 2
        self.after = total - total / 2
    }
}
