import Embedder
import ModelImport
import Foundation
import Testing
import TestSupport

/// The forward pass against the independent float64 reference (Tests/Reference/efficientnet_ref.py), fed the
/// same preprocessed tensor: ten real photos, Lite0 and Lite2.
@Suite("Forward pass", .serialized)
struct ForwardTests {
    static let photos = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "retina.jpg",
                         "hubble_deep_field.jpg", "motorcycle_left.png", "ihc.png", "camera.png", "coins.png"]

    @Test("cbr's features match the float64 reference", arguments: [Variant.lite0, .lite2])
    func matchesReference(variant: Variant) throws {
        let run = try ReferenceRun.cached(variant)
        let network = Network(model: run.model, maxBatch: run.count, threads: 2)
        let (features, logits) = run.input.withUnsafeBufferPointer { network.forward($0, count: run.count) }
        let d = network.featureDimension
        #expect(features.count == run.count * d)
        var worstCosine = 1.0, worstDiff: Float = 0
        defer { print("\(variant) vs float64 reference on \(run.count) photos: min cosine \(worstCosine), max abs diff \(worstDiff)") }
        for (i, name) in Self.photos.enumerated() {
            let ours = Array(features[(i * d)..<((i + 1) * d)]), theirs = Array(run.features[(i * d)..<((i + 1) * d)])
            let cos = cosine(ours, theirs), diff = maxAbsDifference(ours, theirs)
            worstCosine = min(worstCosine, cos)
            worstDiff = max(worstDiff, diff)
            #expect(cos >= 0.9999, "\(variant) \(name): cosine \(cos)")
            #expect(diff <= 1e-3, "\(variant) \(name): max abs difference \(diff)")
            let c = network.classCount
            #expect(argmax(Array(logits[(i * c)..<((i + 1) * c)])) == argmax(Array(run.logits[(i * c)..<((i + 1) * c)])),
                    "\(variant) \(name): top-1 differs from the reference")
        }
    }

    @Test("ImageNet head: chelsea is a cat, coffee is an espresso")
    func imagenetSanity() throws {
        let run = try ReferenceRun.cached(.lite0)
        let network = Network(model: run.model, maxBatch: run.count, threads: 1)
        let (_, logits) = run.input.withUnsafeBufferPointer { network.forward($0, count: run.count) }
        let c = network.classCount
        func top1(_ photo: String) -> Int {
            let i = ForwardTests.photos.firstIndex(of: photo)!
            return argmax(Array(logits[(i * c)..<((i + 1) * c)]))
        }
        #expect([281, 282, 285].contains(top1("chelsea.png")))
        #expect(top1("coffee.png") == 967)
    }

    @Test("A batch of 16 gives the same features as 16 batches of 1")
    func batchInvariance() throws {
        let run = try ReferenceRun.cached(.lite0)
        let n = 16, per = run.input.count / run.count
        var batch: [Float] = []
        for i in 0..<n { batch += run.input[((i % run.count) * per)..<((i % run.count + 1) * per)] }
        let many = Network(model: run.model, maxBatch: n, threads: 2)
        let (together, _) = batch.withUnsafeBufferPointer { many.forward($0, count: n) }
        let one = Network(model: run.model, maxBatch: 1, threads: 2)
        let d = one.featureDimension
        for i in 0..<n {
            let (alone, _) = batch.withUnsafeBufferPointer {
                one.forward(UnsafeBufferPointer(rebasing: $0[(i * per)..<((i + 1) * per)]), count: 1)
            }
            let diff = maxAbsDifference(alone, Array(together[(i * d)..<((i + 1) * d)]))
            #expect(diff <= 1e-5, "image \(i): batch of 1 vs 16 differ by \(diff)")
        }
    }
}

/// The reference's preprocessed tensor, features and logits for some photos, and the folded model.
struct ReferenceRun: Sendable {
    let model: FoldedModel
    let count: Int
    let input: [Float]
    let features: [Float]
    let logits: [Float]

    /// One reference run per variant over `ForwardTests.photos`, shared by the tests (the reference is slow).
    static func cached(_ variant: Variant) throws -> ReferenceRun {
        try (variant == .lite2 ? lite2 : lite0).get()
    }

    private static let lite0 = Result { try make(.lite0, photos: ForwardTests.photos) }
    private static let lite2 = Result { try make(.lite2, photos: ForwardTests.photos) }

    static func checkpoint(_ variant: Variant) throws -> URL {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestData.weights.path)
        let name = try #require(files.first { $0.hasPrefix("efficientnet-\(variant.rawValue)-") && $0.hasSuffix(".pth") })
        return TestData.weights.appendingPathComponent(name)
    }

    static func make(_ variant: Variant, photos: [String]) throws -> ReferenceRun {
        let checkpoint = try checkpoint(variant)
        let dir = try TestData.temporaryDirectory("cbr-forward")
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = dir.appendingPathComponent("x.f32"), f = dir.appendingPathComponent("f.f32")
        let l = dir.appendingPathComponent("l.f32")
        let script = TestData.packageRoot.appendingPathComponent("Tests/Reference/efficientnet_ref.py").path
        try TestData.runPython("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                               [script, checkpoint.path, "--image"] + photos.map { TestData.photo($0).path }
                                   + ["--save-input", x.path, "--features", f.path, "--logits", l.path])
        return ReferenceRun(model: try CheckpointImporter.importModel(from: checkpoint), count: photos.count,
                            input: try floats(x), features: try floats(f), logits: try floats(l))
    }
}

func floats(_ url: URL) throws -> [Float] {
    let data = try Data(contentsOf: url)
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var ab = 0.0, aa = 0.0, bb = 0.0
    for (x, y) in zip(a, b) { ab += Double(x) * Double(y); aa += Double(x) * Double(x); bb += Double(y) * Double(y) }
    return ab / (aa.squareRoot() * bb.squareRoot())
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func argmax(_ v: [Float]) -> Int {
    v.indices.max { v[$0] < v[$1] } ?? -1
}
