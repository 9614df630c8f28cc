import LinearAlgebra

/// An MBConv block of one image computed band by band (docs/embedder.md, "Fused blocks"). For each band of
/// output rows: the expand SGEMM over the input rows the band reads (rows the previous band already expanded
/// are moved to the front of the buffer, not recomputed) with its bias + ReLU6 pass, the depthwise kernel into
/// the band's depthwise buffer, then the project SGEMM accumulating (beta = 1) into the output rows prefilled
/// with bias (+ residual). The unfused path in `LayerRunner` computes the same sums and is the reference.
enum FusedBlock {
    /// Output rows `rows` (over images × output height; whole images when `band.wholeImages`) of the images
    /// at `input` into `output` (NHWC).
    static func run(_ block: Plan.Block, _ params: Parameters.Block, band: BandPlan,
                    input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Range<Int>,
                    buffers: BandBuffers, times: inout LayerTimes, profiling: Bool) {
        var watch = Stopwatch(enabled: profiling)
        watch.restart()
        let dw = block.depthwise
        let width = block.input.width, cin = block.input.channels, ce = block.expanded.channels
        let outWidth = block.output.width, cout = block.output.channels
        let rowFloats = width * ce
        let expanded = buffers.expanded.pointer, depthwise = buffers.depthwise.pointer
        var held = 0..<0
        var a = rows.lowerBound
        while a < rows.upperBound {
            let b = band.band(from: a, end: rows.upperBound).upperBound
            let need = band.inputRows(a..<b)
            var source = UnsafePointer(input), firstRow = 0
            if let expand = params.expand {
                var fresh = need
                if held.contains(need.lowerBound) {
                    let kept = held.upperBound - need.lowerBound
                    if need.lowerBound > held.lowerBound {
                        shiftDown(expanded, from: (need.lowerBound - held.lowerBound) * rowFloats,
                                  count: kept * rowFloats)
                    }
                    fresh = held.upperBound..<need.upperBound
                }
                if !fresh.isEmpty {
                    let c = expanded + (fresh.lowerBound - need.lowerBound) * rowFloats
                    BLAS.gemm(m: fresh.count * width, n: ce, k: cin, a: input + fresh.lowerBound * width * cin,
                              lda: cin, b: expand.w, ldb: ce, c: c, ldc: ce)
                    Epilogue.biasReLU6(c, rows: 0..<(fresh.count * width), channels: ce, bias: expand.b)
                }
                held = need
                source = UnsafePointer(expanded)
                firstRow = need.lowerBound
                watch.lap(.expand, into: &times)
            }
            DepthwiseKernel.run(dw, input: source, firstInputRow: firstRow, output: depthwise, firstOutputRow: a,
                                weight: params.depthwise.w, bias: params.depthwise.b, rows: a..<b)
            watch.lap(.depthwise, into: &times)
            let pixels = (b - a) * outWidth, c = output + a * outWidth * cout
            Epilogue.fillBias(c, rows: 0..<pixels, channels: cout, bias: params.project.b,
                              residual: block.residual ? UnsafePointer(input + a * outWidth * cout) : nil)
            BLAS.gemm(m: pixels, n: cout, k: ce, a: depthwise, lda: ce, b: params.project.w, ldb: cout,
                      c: c, ldc: cout, beta: 1)
            watch.lap(.project, into: &times)
            a = b
        }
    }

    /// Moves `count` floats from `offset` to the start of `buffer` (overlapping, source above destination).
    private static func shiftDown(_ buffer: UnsafeMutablePointer<Float>, from offset: Int, count: Int) {
        let vectors = count / 8
        for v in 0..<vectors { store8(load8(buffer + offset + 8 * v), buffer + 8 * v) }
        for i in (8 * vectors)..<count { buffer[i] = buffer[offset + i] }
    }
}
