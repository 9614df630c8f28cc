/// How a fused block is cut into bands of output rows of one image: each band's expanded input rows (the
/// expansion's output, up to 6× the block's input channels) and depthwise output stay in cache between the
/// expand SGEMM, the depthwise kernel and the project SGEMM instead of streaming through memory.
struct BandPlan: Sendable {
    /// Output rows per band.
    let rows: Int
    /// Floats the expanded band buffer needs (0 when the block has no expansion: the depthwise kernel then
    /// reads the block's input directly).
    let expandedFloats: Int
    /// Floats the depthwise band buffer needs.
    let depthwiseFloats: Int

    /// Bands whose expanded rows take about `budget` floats (at least one output row per band).
    init(_ block: Plan.Block, budget: Int) {
        let dw = block.depthwise, k = dw.conv.kernel, s = dw.conv.stride
        let rowFloats = block.expanded.width * block.expanded.channels
        rows = min(dw.output.height, max(1, (budget / rowFloats - k) / s + 1))
        expandedFloats = block.expand == nil ? 0 : min(block.input.height, (rows - 1) * s + k) * rowFloats
        depthwiseFloats = rows * dw.output.width * dw.output.channels
    }

    /// The input rows (clipped to the image) that output rows `out` read.
    static func inputRows(_ out: Range<Int>, of dw: Plan.Depthwise) -> Range<Int> {
        let s = dw.conv.stride, k = dw.conv.kernel, top = dw.rows.before
        let lo = max(0, out.lowerBound * s - top), hi = min(dw.input.height, (out.upperBound - 1) * s - top + k)
        return lo..<max(lo, hi)
    }
}

/// One thread's band buffers: the expanded rows of the current band and its depthwise output.
final class BandBuffers: @unchecked Sendable {
    let expanded: FloatBuffer
    let depthwise: FloatBuffer

    init(_ plans: [BandPlan]) {
        expanded = FloatBuffer(count: plans.map(\.expandedFloats).max() ?? 0)
        depthwise = FloatBuffer(count: plans.map(\.depthwiseFloats).max() ?? 0)
    }
}

/// The fused early blocks (`0..<plans.count`, the ones that run one image at a time) and one set of band
/// buffers per thread that may run a part of a block.
struct Fusion: @unchecked Sendable {
    let plans: [BandPlan]
    let buffers: [BandBuffers]
}

/// A per-thread slot for layer times, written by one `concurrentPerform` iteration each.
struct SendableTimes: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<LayerTimes>
}
