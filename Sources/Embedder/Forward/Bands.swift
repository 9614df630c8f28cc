/// How a fused block is cut into bands of output rows (numbered over `images × output height`): each band's
/// expanded input rows (the expansion's output, up to 6× the block's input channels) and depthwise output stay
/// in cache between the expand SGEMM, the depthwise kernel and the project SGEMM instead of streaming through
/// memory. A band is either a run of rows within one image (the early, large layers) or whole images (the
/// late layers, whose SGEMMs need the rows of several images).
struct BandPlan: Sendable {
    let depthwise: Plan.Depthwise
    /// Output rows per band (a multiple of the output height for whole images).
    let rows: Int
    let wholeImages: Bool
    /// Floats the expanded band buffer needs (0 when the block has no expansion: the depthwise kernel then
    /// reads the block's input directly).
    let expandedFloats: Int
    /// Floats the depthwise band buffer needs.
    let depthwiseFloats: Int

    /// Bands whose expanded rows take about `budget` floats: rows of one image (at least one output row), or
    /// with `wholeImages` between 1 and `maxImages` images.
    init(_ block: Plan.Block, budget: Int, wholeImages: Bool, maxImages: Int) {
        let dw = block.depthwise, k = dw.conv.kernel, s = dw.conv.stride
        let rowFloats = block.expanded.width * block.expanded.channels
        depthwise = dw
        self.wholeImages = wholeImages
        let inputRows: Int
        if wholeImages {
            let images = min(max(1, maxImages), max(1, budget / (rowFloats * dw.input.height)))
            rows = images * dw.output.height
            inputRows = images * dw.input.height
        } else {
            rows = min(dw.output.height, max(1, (budget / rowFloats - k) / s + 1))
            inputRows = min(dw.input.height, (rows - 1) * s + k)
        }
        expandedFloats = block.expand == nil ? 0 : inputRows * rowFloats
        depthwiseFloats = rows * dw.output.width * dw.output.channels
    }

    /// The band starting at output row `start` (an image's first row for whole images), ending by `end`.
    func band(from start: Int, end: Int) -> Range<Int> {
        let height = depthwise.output.height
        return start..<min(end, start + rows, wholeImages ? end : (start / height + 1) * height)
    }

    /// The input rows (clipped to their image) that the output rows `band` read.
    func inputRows(_ band: Range<Int>) -> Range<Int> {
        let outH = depthwise.output.height, inH = depthwise.input.height
        let image = band.lowerBound / outH
        if wholeImages { return (image * inH)..<(((band.upperBound + outH - 1) / outH) * inH) }
        let s = depthwise.conv.stride, k = depthwise.conv.kernel, top = depthwise.rows.before
        let first = band.lowerBound - image * outH, last = band.upperBound - image * outH
        let lo = max(0, first * s - top), hi = min(inH, (last - 1) * s - top + k)
        return (image * inH + lo)..<(image * inH + max(lo, hi))
    }
}

/// One thread's band buffers: the expanded rows of the current band and its depthwise output.
final class BandBuffers: @unchecked Sendable {
    let expanded: FloatBuffer
    let depthwise: FloatBuffer

    init(_ plans: [BandPlan?]) {
        expanded = FloatBuffer(count: plans.compactMap { $0?.expandedFloats }.max() ?? 0)
        depthwise = FloatBuffer(count: plans.compactMap { $0?.depthwiseFloats }.max() ?? 0)
    }
}

/// Every block's band plan (nil: that block runs layer by layer) and one set of band buffers per thread that
/// may run a part of a block.
struct Fusion: @unchecked Sendable {
    let plans: [BandPlan?]
    let buffers: [BandBuffers]
}

/// A per-thread slot for layer times, written by one `concurrentPerform` iteration each.
struct SendableTimes: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<LayerTimes>
}
