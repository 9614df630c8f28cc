/// Runs ranges of layers on `images` images at a time; kernels split their rows across `workers` threads
/// (1 when the caller already runs one worker per thread). Activations rotate through three scratch buffers.
struct LayerRunner {
    let plan: Plan
    let parameters: Parameters
    let workers: Int
    var watch: Stopwatch
    var times = LayerTimes()

    init(plan: Plan, parameters: Parameters, workers: Int, profiling: Bool) {
        self.plan = plan
        self.parameters = parameters
        self.workers = workers
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
            let last = index == range.upperBound - 1
            let out = last ? output ?? a : a
            project(input: b, output: out, pixels: images * block.output.pixels, k: block.expanded.channels,
                    n: block.output.channels, params: params.project, residual: block.residual ? current : nil)
            watch.lap(.project, into: &times)
            current = out
        }
        return current
    }

    /// Head 1×1 conv to the feature width, then bias + ReLU6 fused into the global average pool.
    mutating func head(images: Int, input: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                       features: UnsafeMutablePointer<Float>) {
        let pixels = plan.headOutput.pixels, channels = plan.head.outChannels
        BLAS.gemm(m: images * pixels, n: channels, k: plan.head.inChannels, a: input, lda: plan.head.inChannels,
                  b: parameters.head.w, ldb: channels, c: scratch, ldc: channels)
        watch.lap(.head, into: &times)
        let pooled = SendablePointer(features), headOut = SendablePointer(scratch)
        let bias = SendablePointer(parameters.head.b)
        Parallel.ranges(images, workers: workers) { range in
            for n in range {
                Pool.averageReLU6(headOut.pointer + n * pixels * channels, pixels: pixels, channels: channels,
                                  bias: bias.pointer, into: pooled.pointer + n * channels)
            }
        }
        watch.lap(.poolClassifier, into: &times)
    }

    /// `relu6(input · W + bias)`: one SGEMM then one fused pass, rows split across workers.
    private func expand(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pixels: Int,
                        k: Int, n: Int, params: ConvParameters) {
        BLAS.gemm(m: pixels, n: n, k: k, a: input, lda: k, b: params.w, ldb: n, c: output, ldc: n)
        let out = SendablePointer(output), bias = SendablePointer(params.b)
        Parallel.ranges(pixels, workers: workers) { rows in
            Epilogue.biasReLU6(out.pointer, rows: rows, channels: n, bias: bias.pointer)
        }
    }

    /// `input · W + bias (+ residual)`: bias and residual written first, then the SGEMM accumulates.
    private func project(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pixels: Int,
                         k: Int, n: Int, params: ConvParameters, residual: UnsafeMutablePointer<Float>?) {
        let out = SendablePointer(output), bias = SendablePointer(params.b)
        let res = residual.map(SendablePointer.init)
        Parallel.ranges(pixels, workers: workers) { rows in
            Epilogue.fillBias(out.pointer, rows: rows, channels: n, bias: bias.pointer,
                              residual: res.map { UnsafePointer($0.pointer) })
        }
        BLAS.gemm(m: pixels, n: n, k: k, a: input, lda: k, b: params.w, ldb: n, c: output, ldc: n, beta: 1)
    }
}
