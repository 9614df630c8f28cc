/// The taps of Pillow's antialiased bilinear (triangle) filter along one axis, for resizing `inSize` samples
/// to `outSize`: Pillow's `precompute_coeffs` (support widened by the downscale factor, weights normalised
/// to sum 1) followed by `normalize_coeffs_8bpc` (weights in 22-bit fixed point), computed in the same
/// double-precision order so that every weight is bit-identical. Only the output samples in `outputs` are
/// prepared (a crop needs no others); arrays are indexed by `xx − outputs.lowerBound`.
struct ResampleAxis: Sendable {
    static let precisionBits: Int32 = 22

    let inSize: Int
    let outSize: Int
    let outputs: Range<Int>
    /// Taps reserved per output sample (Pillow's `ksize`).
    let stride: Int
    /// First input sample of each output sample.
    let first: [Int32]
    /// Number of taps of each output sample.
    let count: [Int32]
    /// `outputs.count × stride` fixed-point weights.
    let weights: [Int32]

    init(inSize: Int, outSize: Int, outputs: Range<Int>) {
        precondition(inSize > 0 && outSize > 0 && outputs.lowerBound >= 0 && outputs.upperBound <= outSize)
        self.inSize = inSize
        self.outSize = outSize
        self.outputs = outputs
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale                     // the triangle's support is 1
        let stride = Int(support.rounded(.up)) * 2 + 1
        self.stride = stride
        var first = [Int32](repeating: 0, count: outputs.count)
        var count = [Int32](repeating: 0, count: outputs.count)
        var weights = [Int32](repeating: 0, count: outputs.count * stride)
        var taps = [Double](repeating: 0, count: stride)
        let inverse = 1.0 / filterScale
        let one = Double(1 << Self.precisionBits)
        for (i, xx) in outputs.enumerated() {
            let center = (Double(xx) + 0.5) * scale
            let lo = max(Int(center - support + 0.5), 0)
            let n = min(Int(center + support + 0.5), inSize) - lo
            var total = 0.0
            for x in 0 ..< n {
                let w = Self.triangle((Double(x + lo) - center + 0.5) * inverse)
                taps[x] = w
                total += w
            }
            for x in 0 ..< n {
                let w = total != 0 ? taps[x] / total : taps[x]
                weights[i * stride + x] = Int32(w < 0 ? -0.5 + w * one : 0.5 + w * one)
            }
            first[i] = Int32(lo)
            count[i] = Int32(n)
        }
        self.first = first
        self.count = count
        self.weights = weights
    }

    private static func triangle(_ x: Double) -> Double {
        let a = x < 0 ? -x : x
        return a < 1 ? 1 - a : 0
    }

    /// The input samples that the prepared outputs read.
    var inputSpan: Range<Int> {
        guard let last = first.indices.last else { return 0 ..< 0 }
        return Int(first[0]) ..< Int(first[last] + count[last])
    }
}

/// Pillow's `clip8`: drop the fixed-point fraction (arithmetic shift) and clamp to 0...255.
@inline(__always)
func clip8(_ value: Int32) -> UInt8 {
    UInt8(clamping: value >> ResampleAxis.precisionBits)
}
