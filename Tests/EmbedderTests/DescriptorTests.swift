import Embedder
import Foundation
import Imaging
import ModelImport
import Testing
import TestSupport

/// Descriptors (GeM pooling, flip and multi-scale averaging) against the float64 reference, and their
/// invariants on real photos.
@Suite struct DescriptorTests {
    static let photos = ["chelsea.png", "coffee.png", "rocket.jpg"]

    /// cbr's embedding of each photo under `descriptor`.
    static func embed(_ descriptor: Descriptor, files: [URL], model: FoldedModel, batch: Int = 2, threads: Int = 2,
                      prepare: ImageEmbedder.Prepare? = nil) -> [Float] {
        let input = DescriptorInput(descriptor: descriptor, modelSize: model.inputSize)
        let embedder = ImageEmbedder(model: model, batchSize: batch, threads: threads, descriptor: descriptor,
                                     prepare: prepare ?? ImageEmbedder.imagePreparation(input: input))
        var out: [Float] = []
        embedder.run(files) { batch in
            #expect(batch.failures.isEmpty)
            out += batch.embeddings
        }
        return out
    }

    @Test(arguments: [("gem:3", true, "1,0.75"), ("avg", true, "1"), ("gem:2.5", false, "0.5,1.25")])
    func embeddingsEqualTheFloat64Reference(pool: String, flip: Bool, scales: String) throws {
        let descriptor = try Descriptor(pooling: Descriptor.pooling(parsing: pool), flip: flip,
                                        scales: Descriptor.scales(parsing: scales))
        let checkpoint = try ReferenceRun.checkpoint(.lite0)
        let dir = try TestData.temporaryDirectory("cbr-descriptor")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("e.f32")
        let files = Self.photos.map { TestData.photo($0) }
        try TestData.runPython("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                               [Fixtures.referenceScript.path, checkpoint.path, "--image"] + files.map(\.path)
                                   + ["--embeddings", out.path, "--pool", pool, "--scales", scales] + (flip ? ["--flip"] : []))
        let reference = try Fixtures.readFloats(out)
        let got = Self.embed(descriptor, files: files, model: try FoldedModel.load(checkpoint))
        #expect(got.count == reference.count && got.count == files.count * 1280)
        let d = 1280
        for i in files.indices {
            let a = Array(got[(i * d)..<((i + 1) * d)]), b = Array(reference[(i * d)..<((i + 1) * d)])
            #expect(cosine(a, b) > 0.99999, "\(files[i].lastPathComponent) \(descriptor)")
            #expect(maxAbsDifference(a, b) < 2e-4, "\(files[i].lastPathComponent) \(descriptor)")
        }
        // And each option changes the embedding: it is not the network's own.
        let standard = Self.embed(.standard, files: files, model: try FoldedModel.load(checkpoint))
        #expect(cosine(Array(got.prefix(d)), Array(standard.prefix(d))) < 0.9999)
    }

    /// A flip-averaged descriptor cannot tell a photo from its mirror image; GeM with p = 1 is the average pool.
    @Test func flipIsMirrorInvariantAndGemOneIsTheAverage() throws {
        let model = try FoldedModel.load(try ReferenceRun.checkpoint(.lite0))
        let files = Self.photos.map { TestData.photo($0) }
        let flip = try Descriptor(flip: true, scales: [1, 0.8])
        let input = DescriptorInput(descriptor: flip, modelSize: model.inputSize)
        let decoder = ImageDecoder()
        // Each photo mirrored before preprocessing: the same pixels, columns reversed.
        let mirrored: ImageEmbedder.Prepare = { url, buffer in
            let image = try decoder.decode(contentsOf: url)
            var pixels = image.pixels
            for y in 0..<image.height {
                for x in 0..<image.width {
                    for c in 0..<3 { pixels[(y * image.width + x) * 3 + c] = image.pixels[(y * image.width + image.width - 1 - x) * 3 + c] }
                }
            }
            input.write(RGBImage(width: image.width, height: image.height, pixels: pixels), into: buffer)
        }
        let plain = Self.embed(flip, files: files, model: model), ofMirrors = Self.embed(flip, files: files, model: model, prepare: mirrored)
        // Up to resampling: a mirrored photo's resize and crop sample the same pixels mirrored only when the
        // crop is centred to the pixel, so compare by cosine.
        for i in files.indices {
            let a = Array(plain[(i * 1280)..<((i + 1) * 1280)]), b = Array(ofMirrors[(i * 1280)..<((i + 1) * 1280)])
            #expect(cosine(a, b) > 0.999, "\(files[i].lastPathComponent)")
        }
        let withoutFlip = Self.embed(try Descriptor(scales: [1, 0.8]), files: files, model: model)
        let withoutFlipMirrored = Self.embed(try Descriptor(scales: [1, 0.8]), files: files, model: model, prepare: mirrored)
        #expect(cosine(Array(withoutFlip.prefix(1280)), Array(withoutFlipMirrored.prefix(1280)))
                < cosine(Array(plain.prefix(1280)), Array(ofMirrors.prefix(1280))))

        let gemOne = Self.embed(try Descriptor(pooling: .gem(1)), files: files, model: model)
        let average = Self.embed(.standard, files: files, model: model)
        #expect(maxAbsDifference(gemOne, average) < 1e-5)
    }

    @Test func theStandardDescriptorIsTheNetworksOwnEmbedding() throws {
        let model = try FoldedModel.load(try ReferenceRun.checkpoint(.lite0))
        let files = Self.photos.map { TestData.photo($0) }
        let network = Network(model: model, maxBatch: files.count, threads: 1)
        let prepare = ImageEmbedder.imagePreparation(size: model.inputSize)
        var input = [Float](repeating: 0, count: files.count * network.inputCount)
        for (i, file) in files.enumerated() {
            try input.withUnsafeMutableBufferPointer {
                try prepare(file, UnsafeMutableBufferPointer(rebasing: $0[(i * network.inputCount)...]))
            }
        }
        let features = input.withUnsafeBufferPointer { network.forward($0, count: files.count).features }
        // Bit for bit on the same batch and threads: OpenBLAS splits the work by thread count, and its Zen
        // kernels round differently for another split.
        #expect(Self.embed(.standard, files: files, model: model, batch: files.count, threads: 1)
                == Network.normalized(features, dimension: network.featureDimension))
    }

    @Test func optionsAreParsedAndCheckedAsOneLine() throws {
        #expect(try Descriptor.pooling(parsing: "avg") == .average)
        #expect(try Descriptor.pooling(parsing: "gem") == .gem(3))
        #expect(try Descriptor.pooling(parsing: "gem:4.5") == .gem(4.5))
        #expect(try Descriptor.scales(parsing: "1, 0.7071,1.4142") == [1, 0.7071, 1.4142])
        let d = try Descriptor(pooling: .gem(3), flip: true, scales: [1, 0.7071, 1.4142])
        #expect("\(d)" == "gem:3, flip, scales 1,0.7071,1.4142")
        #expect(abs(d.work - 2 * (1 + 0.7071 * 0.7071 + 1.4142 * 1.4142)) < 1e-12)
        #expect(d.inputSizes(modelSize: 224) == [224, 158, 317])
        #expect("\(Descriptor.standard)" == "avg" && Descriptor.standard.isStandard)
        for bad in ["max", "gem:", "gem:x", "gem3"] {
            #expect(throws: DescriptorError.self) { try Descriptor.pooling(parsing: bad) }
        }
        #expect(throws: DescriptorError.self) { try Descriptor.scales(parsing: "1,,2") }
        let refused: [() throws -> Descriptor] = [
            { try Descriptor(pooling: .gem(0.5)) }, { try Descriptor(pooling: .gem(.nan)) },
            { try Descriptor(scales: []) }, { try Descriptor(scales: [1, 1]) }, { try Descriptor(scales: [0.1]) },
            { try Descriptor(scales: [.infinity]) }, { try Descriptor(scales: Array(repeating: 0.5, count: 9)) },
            { try Descriptor(flip: true, scales: [2, 1.9, 1]) },  // 2 × 8.61: more than 16× the work
        ]
        for make in refused {
            do {
                _ = try make()
                Issue.record("accepted")
            } catch {
                #expect(!"\(error)".contains("\n") && !"\(error)".isEmpty)
            }
        }
    }
}
