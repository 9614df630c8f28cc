/// One micro-batch of `images` through every layer, using one workspace; kernels split their rows across
/// `workers` threads (1 when the caller already runs one worker per thread).
struct LayerRunner {
    let plan: Plan
    let parameters: Parameters
    let space: Workspace
    let images: Int
    let workers: Int
    let profiling: Bool

    func run(input: UnsafeMutablePointer<Float>, features: UnsafeMutablePointer<Float>) {
        var watch = Stopwatch(enabled: profiling)
        var times = space.times
        defer { space.times = times }
        let buffers = space.activations.map { SendablePointer($0.pointer) }
        watch.restart()

        // Stem: im2col + one SGEMM + bias/ReLU6.
        let stemRows = images * plan.stemOutput.height
        let columns = SendablePointer(space.columns.pointer)
        let image = SendablePointer(input)
        Parallel.ranges(stemRows, workers: workers) { rows in
            Im2col.run(plan, input: image.pointer, columns: columns.pointer, rows: rows)
        }
        pointwise(input: columns.pointer, output: buffers[0].pointer, pixels: images * plan.stemOutput.pixels,
                  k: plan.stem.kernel * plan.stem.kernel * plan.stem.inChannels, n: plan.stem.outChannels,
                  params: parameters.stem, relu6: true, residual: nil)
        watch.lap(.stem, into: &times)

        var current = 0
        for (block, params) in zip(plan.blocks, parameters.blocks) {
            let free = [0, 1, 2].filter { $0 != current }
            let pixels = images * block.input.pixels
            var dwInput = current
            if let expand = params.expand {
                pointwise(input: buffers[current].pointer, output: buffers[free[0]].pointer, pixels: pixels,
                          k: block.input.channels, n: block.expanded.channels, params: expand, relu6: true, residual: nil)
                dwInput = free[0]
                watch.lap(.expand, into: &times)
            }
            let dwOutput = free[1]
            let dw = block.depthwise
            let src = buffers[dwInput], dst = buffers[dwOutput]
            let dwParams = params.depthwise
            Parallel.ranges(images * dw.output.height, workers: workers) { rows in
                DepthwiseKernel.run(dw, input: src.pointer, output: dst.pointer,
                                    weight: dwParams.w, bias: dwParams.b, rows: rows)
            }
            watch.lap(.depthwise, into: &times)
            let out = free[0]
            pointwise(input: buffers[dwOutput].pointer, output: buffers[out].pointer,
                      pixels: images * block.output.pixels, k: block.expanded.channels, n: block.output.channels,
                      params: params.project, relu6: false, residual: block.residual ? buffers[current].pointer : nil)
            watch.lap(.project, into: &times)
            current = out
        }

        // Head 1×1 conv, then bias + ReLU6 fused into the global average pool.
        let head = (current + 1) % 3
        let headPixels = plan.headOutput.pixels
        BLAS.gemm(m: images * headPixels, n: plan.head.outChannels, k: plan.head.inChannels,
                  a: buffers[current].pointer, lda: plan.head.inChannels, b: parameters.head.w, ldb: plan.head.outChannels,
                  c: buffers[head].pointer, ldc: plan.head.outChannels)
        watch.lap(.head, into: &times)
        let pooled = SendablePointer(features), headOut = buffers[head]
        let bias = parameters.head.b, channels = plan.head.outChannels
        Parallel.ranges(images, workers: workers) { range in
            for n in range {
                Pool.averageReLU6(headOut.pointer + n * headPixels * channels, pixels: headPixels, channels: channels,
                                  bias: bias, into: pooled.pointer + n * channels)
            }
        }
        watch.lap(.poolClassifier, into: &times)
    }

    /// One SGEMM `[pixels × k]·[k × n]` then the fused epilogue, rows split across workers.
    private func pointwise(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pixels: Int,
                           k: Int, n: Int, params: ConvParameters, relu6: Bool, residual: UnsafeMutablePointer<Float>?) {
        BLAS.gemm(m: pixels, n: n, k: k, a: input, lda: k, b: params.w, ldb: n, c: output, ldc: n)
        let out = SendablePointer(output), bias = SendablePointer(params.b)
        let res = residual.map(SendablePointer.init)
        Parallel.ranges(pixels, workers: workers) { rows in
            if relu6 {
                Epilogue.biasReLU6(out.pointer, rows: rows, channels: n, bias: bias.pointer)
            } else {
                Epilogue.biasResidual(out.pointer, rows: rows, channels: n, bias: bias.pointer,
                                      residual: res.map { UnsafePointer($0.pointer) })
            }
        }
    }
}
