import Embedder
import Foundation
import Imaging
import ModelImport
import Testing
import TestSupport

/// The fused early blocks (band by band, `Network(fused: true)`, the default) against the layer-by-layer
/// reference path (`fused: false`) on real photos and the real Lite0/1/2 weights: batch 1 and 32, one and two
/// threads, the variants' own input sizes and odd ones, and bands small enough that every block is cut into
/// many bands (halo rows carried from band to band, parts split across threads, one image per late band).
@Suite("Fused blocks", .serialized)
struct FusedForwardTests {
    static let photos = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "retina.jpg",
                         "hubble_deep_field.jpg", "motorcycle_left.png", "coins.png"]

    @Test("fused == unfused at the variant's size, batch 1 and 32, 1 and 2 threads",
          arguments: [Variant.lite0, .lite1, .lite2])
    func matchesReferencePath(variant: Variant) throws {
        let model = try Self.model(variant)
        try Self.compare(model, size: variant.inputSize, batch: 32, threads: 2)
        try Self.compare(model, size: variant.inputSize, batch: 1, threads: 2)
        try Self.compare(model, size: variant.inputSize, batch: 1, threads: 1)
    }

    @Test("fused == unfused at odd input sizes", arguments: [97, 163, 225, 251])
    func oddSizes(size: Int) throws {
        let model = try Self.model(.lite0)
        try Self.compare(model, size: size, batch: 3, threads: 2)
        try Self.compare(model, size: size, batch: 1, threads: 2)
    }

    @Test("fused == unfused with bands of one row / one image and of several", arguments: [1, 40_000, 700_000])
    func bandSizes(bandBytes: Int) throws {
        let model = try Self.model(.lite2)
        try Self.compare(model, size: 261, batch: 5, threads: 1, bandBytes: bandBytes)
        try Self.compare(model, size: 261, batch: 1, threads: 2, bandBytes: bandBytes)
    }

    /// Runs the same photos through both paths and expects features and logits to agree to 1e-5.
    @Test("batch-1 logits (one GEMV) equal the same images' logits in a batch (SGEMM)")
    func batchOneClassifier() throws {
        let model = try Self.model(.lite0), size = model.inputSize, n = 3, per = size * size * 3
        let input = try Self.tensor(size: size, count: n)
        let batched = Network(model: model, maxBatch: n, threads: 1)
        let single = Network(model: model, maxBatch: 1, threads: 1)
        let (_, together) = input.withUnsafeBufferPointer { batched.forward($0, count: n) }
        let c = model.classCount
        for i in 0..<n {
            let (_, alone) = input.withUnsafeBufferPointer {
                single.forward(UnsafeBufferPointer(rebasing: $0[(i * per)..<((i + 1) * per)]), count: 1)
            }
            let expected = Array(together[(i * c)..<((i + 1) * c)])
            let diff: Float = maxAbsDifference(alone, expected)
            #expect(alone.count == c)
            #expect(diff <= 1e-4, "image \(i): logits differ by \(diff)")
            #expect(argmax(alone) == argmax(expected), "image \(i): top-1 differs")
        }
    }

    /// `bandBytes` sets both the early (rows) and the late (whole images) band sizes.
    static func compare(_ model: FoldedModel, size: Int, batch: Int, threads: Int, bandBytes: Int? = nil) throws {
        let input = try tensor(size: size, count: batch)
        let fused = Network(model: model, maxBatch: batch, threads: threads, fused: true, bandBytes: bandBytes,
                            lateBandBytes: bandBytes, inputSize: size)
        let reference = Network(model: model, maxBatch: batch, threads: threads, fused: false, inputSize: size)
        #expect(fused.fused && !reference.fused)
        let (f, l) = input.withUnsafeBufferPointer { fused.forward($0, count: batch) }
        let (rf, rl) = input.withUnsafeBufferPointer { reference.forward($0, count: batch) }
        let label = "\(model.variant) \(size) px, batch \(batch), \(threads) threads, band \(bandBytes ?? 0) B"
        #expect(f.count == batch * model.featureDimension && rf.count == f.count, "\(label)")
        // The photos give features of very different magnitude; none is all zeros.
        #expect(rf.contains { $0 > 0.1 }, "\(label): reference features are all near zero")
        let diff = maxAbsDifference(f, rf), logitDiff = maxAbsDifference(l, rl)
        #expect(diff <= 1e-5, "\(label): features differ by \(diff)")
        #expect(logitDiff <= 1e-4, "\(label): logits differ by \(logitDiff)")
    }

    /// `count` preprocessed photos (cycling through `photos`) at `size` px.
    static func tensor(size: Int, count: Int) throws -> [Float] {
        let prepare = ImageEmbedder.imagePreparation(size: size)
        let per = size * size * 3
        var input = [Float](repeating: 0, count: count * per)
        try input.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<count {
                try prepare(TestData.photo(photos[i % photos.count]),
                            UnsafeMutableBufferPointer(rebasing: buffer[(i * per)..<((i + 1) * per)]))
            }
        }
        return input
    }

    /// Each variant imported once from its checkpoint, shared by the tests.
    static func model(_ variant: Variant) throws -> FoldedModel {
        switch variant {
        case .lite0: try lite0.get()
        case .lite1: try lite1.get()
        case .lite2: try lite2.get()
        }
    }

    private static let lite0 = Result { try CheckpointImporter.importModel(from: ReferenceRun.checkpoint(.lite0)) }
    private static let lite1 = Result { try CheckpointImporter.importModel(from: ReferenceRun.checkpoint(.lite1)) }
    private static let lite2 = Result { try CheckpointImporter.importModel(from: ReferenceRun.checkpoint(.lite2)) }
}
