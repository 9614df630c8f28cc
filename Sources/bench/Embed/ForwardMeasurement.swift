import Embedder

/// Times `Network.forward` on a seeded input: images/s over at least `seconds` (after one warm-up call),
/// and the per-layer-type split of that time.
struct ForwardMeasurement {
    var imagesPerSecond: Double
    /// Layer kind → share of the forward time.
    var split: [String: Double]

    /// `Network`'s tuning knobs (nil: its defaults).
    struct Tuning {
        var group: Int?
        var splitPixels: Int?
        var fused = true
        var bandBytes: Int?
        var lateBandBytes: Int?
    }

    static func measure(_ model: FoldedModel, batch: Int, threads: Int, seconds: Double,
                        tuning: Tuning = Tuning()) -> ForwardMeasurement {
        let network = Network(model: model, maxBatch: batch, threads: threads, group: tuning.group,
                              splitPixels: tuning.splitPixels, fused: tuning.fused, bandBytes: tuning.bandBytes,
                              lateBandBytes: tuning.lateBandBytes)
        var rng = Xoshiro256(seed: 7)
        let input = (0..<(batch * network.inputCount)).map { _ in Float(rng.next() >> 40) / Float(1 << 23) - 1 }
        network.profiling = true
        input.withUnsafeBufferPointer { _ = network.forward($0, count: batch) }
        network.resetProfile()
        var images = 0
        let elapsed = Stopwatch.time {
            let start = Stopwatch.now()
            repeat {
                input.withUnsafeBufferPointer { _ = network.forward($0, count: batch) }
                images += batch
            } while Double(Stopwatch.now() - start) / 1e9 < seconds || images < 2 * batch
        }
        let profile = network.profile
        var split: [String: Double] = [:]
        for kind in LayerTimes.Kind.allCases { split[kind.rawValue] = profile[kind] / max(profile.total, 1e-12) }
        return ForwardMeasurement(imagesPerSecond: Double(images) / elapsed, split: split)
    }

    /// 2 × the multiply-adds of every convolution and the classifier (0.770 for Lite0).
    static func gflopPerImage(_ model: FoldedModel) -> Double {
        let network = Network(model: model, maxBatch: 1, threads: 1)
        return Double(network.multiplyAdds) * 2 / 1e9
    }
}
