import Dispatch
import LinearAlgebra

/// The EfficientNet-Lite forward pass: NHWC float32, batched, on OpenBLAS SGEMM plus direct depthwise kernels.
///
/// Threads: with at least `threads` images the batch is split into one contiguous share per thread, each
/// run through the whole network by its own worker with single-threaded SGEMM (no synchronisation between
/// layers); smaller batches run on one worker whose kernels (SGEMMs included, as row pieces) split their rows
/// across `threads` with `concurrentPerform`. OpenBLAS always runs single-threaded: its worker threads would
/// spin against ours on the shared cores. MBConv blocks run fused, band by band (`FusedBlock`), unless
/// `fused` is false. Every buffer is allocated at `init`.
///
/// Not reentrant: one `forward` at a time per `Network`.
public final class Network: @unchecked Sendable {
    public let maxBatch: Int
    public let threads: Int
    public var inputSize: Int { plan.image.height }
    public var featureDimension: Int { plan.features }
    public var classCount: Int { plan.classes }
    /// Floats per input image: size × size × 3.
    public var inputCount: Int { plan.image.count }

    /// Multiply-adds per image (385 M for Lite0: 0.770 GFLOP).
    public var multiplyAdds: Int { plan.multiplyAdds }

    /// When true, `forward` accumulates per-layer-type times into `profile`.
    public var profiling = false
    public var profile: LayerTimes { workspaces.map(\.times).reduce(classifierTimes, +) }

    let plan: Plan
    let parameters: Parameters
    let workspaces: [Workspace]
    private var classifierTimes = LayerTimes()

    /// Blocks before `split` run one image at a time; the rest run on groups of up to `group` images.
    public let split: Int
    public let group: Int

    /// How the last feature map is pooled into the features (`Descriptor.Pooling`; default the average).
    public let pooling: Descriptor.Pooling

    /// Whether the early blocks run fused, band by band (`FusedBlock`); false runs every layer over the whole
    /// activation (the reference path the tests compare against).
    public let fused: Bool

    /// - Parameters:
    ///   - group: images per worker that share the late layers' SGEMMs (default 16).
    ///   - splitPixels: blocks whose input has more pixels than this run one image at a time (default 28×28).
    ///   - fused: run the blocks band by band (default true).
    ///   - bandBytes: in the early blocks, the expanded rows of one band take about this many bytes (default
    ///     256 KiB).
    ///   - lateBandBytes: the same for the late blocks, whose bands are whole images (default 1 MiB; 0 runs
    ///     them layer by layer).
    ///   - inputSize: the square input side, default the variant's (other sizes: a descriptor's scales, tests,
    ///     tuning).
    ///   - pooling: the pooling of the last feature map (default the network's average).
    public init(model: FoldedModel, maxBatch: Int, threads: Int, group: Int? = nil, splitPixels: Int? = nil,
                fused: Bool = true, bandBytes: Int? = nil, lateBandBytes: Int? = nil, inputSize: Int? = nil,
                pooling: Descriptor.Pooling = .average) {
        precondition(maxBatch >= 1 && threads >= 1, "batch and threads must be positive")
        precondition((inputSize ?? 1) >= 1 && (bandBytes ?? 1) >= 1 && (lateBandBytes ?? 0) >= 0,
                     "input size and band bytes must be positive")
        self.maxBatch = maxBatch
        self.threads = threads
        self.fused = fused
        self.pooling = pooling
        let plan = Plan(model: model, inputSize: inputSize ?? model.inputSize)
        self.plan = plan
        parameters = Parameters(model)
        let split = plan.firstBlock(atMostPixels: splitPixels ?? 28 * 28)
        self.split = split
        // Batches of at least `threads` images give each worker a share; smaller ones run on worker 0 alone,
        // whose fused blocks split their rows across the threads.
        let perWorker = maxBatch >= threads
        let share = perWorker ? (maxBatch + threads - 1) / threads : maxBatch
        let group = max(1, min(group ?? 16, share))
        self.group = group
        let early = max(1, (bandBytes ?? 256 << 10) / MemoryLayout<Float>.size)
        let late = (lateBandBytes ?? 1 << 20) / MemoryLayout<Float>.size
        let plans = plan.blocks.indices.map { i -> BandPlan? in
            if i < split { return BandPlan(plan.blocks[i], budget: early, wholeImages: false, maxImages: 1) }
            return late > 0 ? BandPlan(plan.blocks[i], budget: late, wholeImages: true, maxImages: group) : nil
        }
        let bands = fused ? (plans: plans, threads: perWorker ? 1 : threads) : nil
        workspaces = (0..<(perWorker ? threads : 1)).map { _ in
            Workspace(plan: plan, split: split, group: group, bands: bands)
        }
    }

    public func resetProfile() {
        classifierTimes = LayerTimes()
        for w in workspaces { w.times = LayerTimes() }
    }

    /// Runs `count` images (`count × size × size × 3` floats, NHWC, already normalised) and returns the pooled
    /// features `[count × featureDimension]` (not normalised) and the logits `[count × classCount]`.
    public func forward(_ input: UnsafeBufferPointer<Float>, count: Int) -> (features: [Float], logits: [Float]) {
        precondition(count >= 0 && count <= maxBatch, "batch of \(count) exceeds maxBatch \(maxBatch)")
        precondition(input.count >= count * inputCount, "input holds fewer than \(count) images")
        guard count > 0, let base = input.baseAddress else { return ([], []) }
        let f = featureDimension
        var features = [Float](repeating: 0, count: count * f)
        features.withUnsafeMutableBufferPointer { out in
            let out = SendablePointer(out.baseAddress!)
            let input = SendablePointer(UnsafeMutablePointer(mutating: base))
            if threads > 1 && count >= threads {
                BLAS.threads = 1
                let shares = threads
                DispatchQueue.concurrentPerform(iterations: shares) { w in
                    let lo = w * count / shares, hi = (w + 1) * count / shares
                    self.run(worker: w, images: lo..<hi, input: input.pointer, features: out.pointer, workers: 1)
                }
            } else {
                BLAS.threads = 1
                run(worker: 0, images: 0..<count, input: input.pointer, features: out.pointer, workers: threads)
            }
        }
        var watch = Stopwatch(enabled: profiling)
        watch.restart()
        BLAS.threads = 1
        let logits = classify(features, count: count)
        watch.lap(.poolClassifier, into: &classifierTimes)
        return (features, logits)
    }

    /// L2-normalised copies of `[count × featureDimension]` features (the retrieval embeddings).
    public static func normalized(_ features: [Float], dimension: Int) -> [Float] {
        var out = features
        out.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<(buffer.count / dimension) {
                let p = buffer.baseAddress! + row * dimension
                var sum: Float = 0
                for i in 0..<dimension { sum += p[i] * p[i] }
                let scale = sum > 0 ? 1 / sum.squareRoot() : 0
                for i in 0..<dimension { p[i] *= scale }
            }
        }
        return out
    }

    /// Worker `worker` runs `images` through the network, `group` images at a time.
    private func run(worker: Int, images: Range<Int>, input: UnsafeMutablePointer<Float>,
                     features: UnsafeMutablePointer<Float>, workers: Int) {
        let space = workspaces[worker]
        let scratch = space.scratch.map(\.pointer)
        let staged = plan.stagedCount(split: split)
        var runner = LayerRunner(plan: plan, parameters: parameters, workers: workers, fusion: space.fusion,
                                 profiling: profiling)
        var start = images.lowerBound
        while start < images.upperBound {
            let n = min(space.group, images.upperBound - start)
            for i in 0..<n {
                let image = input + (start + i) * inputCount, stage = space.staging.pointer + i * staged
                if split == 0 {
                    runner.stem(input: image, images: 1, output: stage)
                } else {
                    runner.stem(input: image, images: 1, output: scratch[0])
                    runner.blocks(0..<split, images: 1, input: scratch[0], output: stage, scratch: scratch)
                }
            }
            var late = space.staging.pointer
            if split < plan.blocks.count {
                late = runner.blocks(split..<plan.blocks.count, images: n, input: late, output: nil, scratch: scratch)
            }
            runner.head(images: n, input: late, scratch: scratch.first { $0 != late }!,
                        features: features + start * featureDimension, pooling: pooling)
            start += n
        }
        space.times = space.times + runner.times
    }

    private func classify(_ features: [Float], count: Int) -> [Float] {
        let classes = classCount
        var logits = [Float](repeating: 0, count: count * classes)
        logits.withUnsafeMutableBufferPointer { out in
            for row in 0..<count { (out.baseAddress! + row * classes).update(from: parameters.classifierBias.pointer, count: classes) }
            features.withUnsafeBufferPointer { feats in
                let weight = parameters.classifierWeight.pointer, f = featureDimension
                if count == 1 {  // the batch-1 SGEMM would spend most of its time packing the 5 MB of weights
                    BLAS.gemv(n: classes, k: f, x: feats.baseAddress!, b: weight, ldb: classes, y: out.baseAddress!,
                              beta: 1)
                } else {
                    BLAS.gemm(m: count, n: classes, k: f, a: feats.baseAddress!, lda: f,
                              b: weight, ldb: classes, c: out.baseAddress!, ldc: classes, beta: 1)
                }
            }
        }
        return logits
    }
}

/// A raw pointer handed to `concurrentPerform` workers that write disjoint regions.
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
