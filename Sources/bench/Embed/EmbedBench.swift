import ArgumentParser
import Embedder
import Foundation
import ModelImport

/// `bench embed`: images/s of the EfficientNet-Lite forward pass at batch 1 and N, 1 and T threads, GFLOP/s
/// against the SGEMM peak measured in the same run, and where the time goes per layer type.
/// `Benchmarks/ort_embed.py` runs this (with `--worker`) interleaved with ONNX Runtime for the ratio.
struct EmbedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Forward-pass throughput of the embedder (batch 1 and N, 1 and T threads).")

    @Option(help: "Model file (cbr model import) or a .pth checkpoint.") var model: String
    @Option(help: "The larger batch size measured (batch 1 is always measured).") var batch = 32
    @Option(help: "The larger thread count measured (1 thread is always measured).") var threads = 2
    @Option(help: "Seconds per measurement.") var seconds = 3.0
    @Option(help: "Write the report as JSON to this file.") var json: String?
    @Flag(help: "Measure only --batch at --threads and print one JSON line (for Benchmarks/ort_embed.py).")
    var worker = false
    @Option(help: "Raw float32 NHWC input tensor: write its features to --features-out and exit.")
    var featuresOf: String?
    @Option(help: "Where --features-of writes the raw float32 features.") var featuresOut: String?
    @Option(help: "Tuning: blocks whose input has more pixels than this run one image at a time.")
    var splitPixels: Int?
    @Option(help: "Tuning: images per worker sharing the late layers' SGEMMs.") var group: Int?
    @Option(help: "Tuning: bytes of expanded rows per band in the fused early blocks.") var bandBytes: Int?
    @Option(help: "Tuning: the same for the late blocks (whole images; 0 runs them layer by layer).")
    var lateBandBytes: Int?
    @Flag(help: "Run every block layer by layer (the reference path) instead of the fused blocks.")
    var unfused = false

    func validate() throws {
        guard batch >= 1, threads >= 1, seconds > 0 else { throw ValidationError("batch, threads and seconds must be positive") }
        if let bandBytes, bandBytes < 1 { throw ValidationError("--band-bytes must be positive") }
        if let lateBandBytes, lateBandBytes < 0 { throw ValidationError("--late-band-bytes must be 0 or more") }
    }

    private var tuning: ForwardMeasurement.Tuning {
        .init(group: group, splitPixels: splitPixels, fused: !unfused, bandBytes: bandBytes,
              lateBandBytes: lateBandBytes)
    }

    func run() throws {
        let folded = try FoldedModel.load(URL(fileURLWithPath: model))
        if let featuresOf {
            try dumpFeatures(folded, input: featuresOf, output: featuresOut ?? featuresOf + ".features")
            return
        }
        if worker {
            let m = ForwardMeasurement.measure(folded, batch: batch, threads: threads, seconds: seconds,
                                                     tuning: tuning)
            let peak = SGEMMPeak.measure(threads: threads, repeats: 2)
            let line: [String: Double] = ["imagesPerSecond": m.imagesPerSecond, "sgemmPeakGFLOPs": peak,
                                          "gflopPerImage": ForwardMeasurement.gflopPerImage(folded)]
                .merging(m.split.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            print(String(decoding: try JSONEncoder().encode(line), as: UTF8.self))
            return
        }
        try report(folded)
    }

    private func report(_ folded: FoldedModel) throws {
        let gflop = ForwardMeasurement.gflopPerImage(folded)
        var peaks: [Int: Double] = [:]
        var report = Report(benchmark: "embed forward \(folded.variant.rawValue) (\(folded.inputSize) px, \(unfused ? "unfused" : "fused"))",
                            columns: ["batch", "threads", "images/s", "GFLOP/s", "SGEMM peak", "% peak"]
                                + LayerTimes.Kind.allCases.map { "% " + $0.rawValue })
        for t in Set([1, threads]).sorted() {
            peaks[t] = SGEMMPeak.measure(threads: t, repeats: 3)
            for b in Set([1, batch]).sorted() {
                let m = ForwardMeasurement.measure(folded, batch: b, threads: t, seconds: seconds,
                                                         tuning: tuning)
                let rate = m.imagesPerSecond * gflop
                report.add([.number(Double(b), digits: 0), .number(Double(t), digits: 0),
                            .number(m.imagesPerSecond, digits: 1), .number(rate, digits: 1),
                            .number(peaks[t]!, digits: 1), .number(100 * rate / peaks[t]!, digits: 1)]
                           + LayerTimes.Kind.allCases.map { .number(100 * (m.split[$0.rawValue] ?? 0), digits: 1) })
            }
        }
        report.notes.append(String(format: "%.3f GFLOP per image (2 × multiply-adds of every conv and the classifier)", gflop))
        report.notes.append("per-layer columns: share of the forward time (summed over worker threads)")
        report.notes.append("the peer (ONNX Runtime, same weights, same run): Benchmarks/ort_embed.py")
        try report.emit(json: json)
    }

    private func dumpFeatures(_ folded: FoldedModel, input: String, output: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: input))
        let x = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let per = folded.inputSize * folded.inputSize * 3
        guard x.count % per == 0, x.count > 0 else {
            throw ValidationError("\(input): \(x.count) floats is not a whole number of \(folded.inputSize)² × 3 images")
        }
        let t = tuning
        let network = Network(model: folded, maxBatch: x.count / per, threads: 1, group: t.group,
                              splitPixels: t.splitPixels, fused: t.fused, bandBytes: t.bandBytes,
                              lateBandBytes: t.lateBandBytes)
        let (features, _) = x.withUnsafeBufferPointer { network.forward($0, count: x.count / per) }
        try features.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: output)) }
    }
}
