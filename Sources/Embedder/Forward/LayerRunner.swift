import LinearAlgebra

/// Runs ranges of layers on `images` images at a time; kernels split their rows across `workers` threads
/// (1 when the caller already runs one worker per thread). Activations rotate through three scratch buffers.
struct LayerRunner {
    let plan: Plan
    let parameters: Parameters
    let workers: Int
    /// The blocks' band plans and buffers (`FusedBlock`), or nil to run every block layer by layer (the
    /// reference path).
    let fusion: Fusion?
    var watch: Stopwatch
    var times = LayerTimes()

    init(plan: Plan, parameters: Parameters, workers: Int, fusion: Fusion?, profiling: Bool) {
        self.plan = plan
        self.parameters = parameters
        self.workers = workers
        self.fusion = fusion
        watch = Stopwatch(enabled: profiling)
        watch.restart()
    }

    /// Stem: direct convolution with bias/ReLU6, from `images` NHWC images into `output`.
    mutating func stem(input: UnsafeMutablePointer<Float>, images: Int, output: UnsafeMutablePointer<Float>) {
        let image = SendablePointer(input), out = SendablePointer(output), plan = plan, stem = parameters.stem
        Parallel.ranges(images * plan.stemOutput.height, workers: workers) { rows in
            StemKernel.run(plan, input: image.pointer, output: out.pointer, weight: stem.w, bias: stem.b, rows: rows)
        }
        watch.lap(.stem, into: &times)
    }

    /// MBConv blocks `range` from `input` (scratch or not) into `output` (not scratch), or when `output` is nil
    /// into a scratch buffer; returns where the result is.
    @discardableResult
    mutating func blocks(_ range: Range<Int>, images: Int, input: UnsafeMutablePointer<Float>,
                         output: UnsafeMutablePointer<Float>?, scratch: [UnsafeMutablePointer<Float>])
        -> UnsafeMutablePointer<Float> {
        precondition(!range.isEmpty, "no blocks to run")
        var current = input
        for index in range {
            // Two scratch buffers other than the current activations: expanded, then depthwise output.
            let a = scratch.first { $0 != current }!, b = scratch.first { $0 != current && $0 != a }!
            let block = plan.blocks[index], params = parameters.blocks[index]
            let last = index == range.upperBound - 1
            let out = last ? output ?? a : a
            if let fusion, let band = fusion.plans[index], band.wholeImages ? images >= workers : true {
                fused(index, band: band, buffers: fusion.buffers, images: images, input: current, output: out)
                current = out
                continue
            }
            let pixels = images * block.input.pixels
            var dwInput = current
            if let conv = params.expand {
                expand(input: current, output: a, pixels: pixels, k: block.input.channels,
                       n: block.expanded.channels, params: conv)
                dwInput = a
                watch.lap(.expand, into: &times)
            }
            let dw = block.depthwise, dwParams = params.depthwise
            let src = SendablePointer(dwInput), dst = SendablePointer(b)
            Parallel.ranges(images * dw.output.height, workers: workers) { rows in
                DepthwiseKernel.run(dw, input: src.pointer, output: dst.pointer,
                                    weight: dwParams.w, bias: dwParams.b, rows: rows)
            }
            watch.lap(.depthwise, into: &times)
            project(input: b, output: out, pixels: images * block.output.pixels, k: block.expanded.channels,
                    n: block.output.channels, params: params.project, residual: block.residual ? current : nil)
            watch.lap(.project, into: &times)
            current = out
        }
        return current
    }

    /// Block `index` through `FusedBlock`, its output rows split into one part per worker (whole images when
    /// its bands are whole images).
    private mutating func fused(_ index: Int, band: BandPlan, buffers: [BandBuffers], images: Int,
                                input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let block = plan.blocks[index], params = parameters.blocks[index]
        let height = block.output.height, units = band.wholeImages ? images : images * height
        let unit = band.wholeImages ? height : 1
        let parts = min(workers, units, buffers.count)
        let profiling = watch.enabled
        if parts <= 1 {
            FusedBlock.run(block, params, band: band, input: input, output: output, rows: 0..<(units * unit),
                           buffers: buffers[0], times: &times, profiling: profiling)
        } else {
            var partTimes = [LayerTimes](repeating: LayerTimes(), count: parts)
            let src = SendablePointer(input), dst = SendablePointer(output)
            partTimes.withUnsafeMutableBufferPointer { slots in
                let slots = SendableTimes(pointer: slots.baseAddress!)
                Parallel.pieces(parts, workers: workers) { part in
                    FusedBlock.run(block, params, band: band, input: src.pointer, output: dst.pointer,
                                   rows: (part * units / parts * unit)..<((part + 1) * units / parts * unit),
                                   buffers: buffers[part], times: &slots.pointer[part], profiling: profiling)
                }
            }
            times = partTimes.reduce(times, +)
        }
        watch.restart()
    }

    /// Head 1×1 conv to the feature width, then bias + ReLU6 fused into the global pool (average or GeM).
    mutating func head(images: Int, input: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                       features: UnsafeMutablePointer<Float>, pooling: Descriptor.Pooling = .average) {
        let pixels = plan.headOutput.pixels, channels = plan.head.outChannels
        let rows = images * pixels, k = plan.head.inChannels, pieces = rows >= 16 * workers ? workers : 1
        let src = SendablePointer(input), dst = SendablePointer(scratch), weight = SendablePointer(parameters.head.w)
        Parallel.pieces(pieces, workers: workers) { piece in
            let lo = piece * rows / pieces, hi = (piece + 1) * rows / pieces
            BLAS.gemm(m: hi - lo, n: channels, k: k, a: src.pointer + lo * k, lda: k,
                      b: weight.pointer, ldb: channels, c: dst.pointer + lo * channels, ldc: channels)
        }
        watch.lap(.head, into: &times)
        let pooled = SendablePointer(features), headOut = SendablePointer(scratch)
        let bias = SendablePointer(parameters.head.b)
        Parallel.ranges(images, workers: workers) { range in
            for n in range {
                let x = headOut.pointer + n * pixels * channels, out = pooled.pointer + n * channels
                switch pooling {
                case .average:
                    Pool.averageReLU6(x, pixels: pixels, channels: channels, bias: bias.pointer, into: out)
                case .gem(let exponent):
                    Pool.generalizedMeanReLU6(x, pixels: pixels, channels: channels, bias: bias.pointer,
                                              exponent: exponent, into: out)
                }
            }
        }
        watch.lap(.poolClassifier, into: &times)
    }

    /// `relu6(input · W + bias)`.
    private func expand(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pixels: Int,
                        k: Int, n: Int, params: ConvParameters) {
        pointwise(input: input, output: output, pixels: pixels, k: k, n: n, params: params, residual: nil, relu6: true)
    }

    /// `input · W + bias (+ residual)`.
    private func project(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pixels: Int,
                         k: Int, n: Int, params: ConvParameters, residual: UnsafeMutablePointer<Float>?) {
        pointwise(input: input, output: output, pixels: pixels, k: k, n: n, params: params, residual: residual,
                  relu6: false)
    }

    /// A 1×1 convolution as SGEMMs over pieces of about 256 KiB of output rows, each followed (ReLU6) or
    /// preceded (bias + residual, accumulated into with beta = 1) by its pass while the piece is in cache.
    /// Pieces are split across the workers; OpenBLAS itself runs single-threaded.
    private func pointwise(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pixels: Int,
                           k: Int, n: Int, params: ConvParameters, residual: UnsafeMutablePointer<Float>?,
                           relu6: Bool) {
        let rowsPerPiece = max(64, (1 << 16) / n)
        let byCache = (pixels + rowsPerPiece - 1) / rowsPerPiece
        let pieces = workers > 1 && byCache < workers && pixels >= 8 * workers ? workers : byCache
        let src = SendablePointer(input), out = SendablePointer(output), bias = SendablePointer(params.b)
        let weight = SendablePointer(params.w), res = residual.map(SendablePointer.init)
        Parallel.pieces(pieces, workers: workers) { piece in
            let rows = (piece * pixels / pieces)..<((piece + 1) * pixels / pieces)
            let c = out.pointer + rows.lowerBound * n
            if relu6 {
                BLAS.gemm(m: rows.count, n: n, k: k, a: src.pointer + rows.lowerBound * k, lda: k,
                          b: weight.pointer, ldb: n, c: c, ldc: n)
                Epilogue.biasReLU6(out.pointer, rows: rows, channels: n, bias: bias.pointer)
            } else {
                Epilogue.fillBias(out.pointer, rows: rows, channels: n, bias: bias.pointer,
                                  residual: res.map { UnsafePointer($0.pointer) })
                BLAS.gemm(m: rows.count, n: n, k: k, a: src.pointer + rows.lowerBound * k, lda: k,
                          b: weight.pointer, ldb: n, c: c, ldc: n, beta: 1)
            }
        }
    }
}
