import Embedder
import ModelImport
import Foundation
import Imaging
import Testing
import TestSupport

/// Files → embeddings through decode, preprocessing and the forward pass, with bad files skipped.
@Suite("Embed pipeline")
struct EmbedPipelineTests {
    @Test("Bad images are reported and skipped; the others keep their order and match the forward pass")
    func badImagesSkipped() throws {
        let dir = try TestData.temporaryDirectory("cbr-embed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let jpeg = try Data(contentsOf: TestData.photo("rocket.jpg"))
        let truncated = dir.appendingPathComponent("truncated.jpg")
        try jpeg.prefix(jpeg.count / 3).write(to: truncated)
        let missing = dir.appendingPathComponent("missing.png")
        let files = [TestData.photo("chelsea.png"), truncated, TestData.photo("coffee.png"),
                     TestData.photo("astronaut.png"), missing]

        let model = try FoldedModel.load(try ReferenceRun.checkpoint(.lite0))
        // Batches of 3: the truncated image sits between two good ones, so coffee.png moves up a row.
        let embedder = ImageEmbedder(model: model, batchSize: 3, threads: 2,
                                prepare: ImageEmbedder.imagePreparation(size: model.inputSize))
        var indices: [Int] = [], embeddings: [Float] = [], failures: [EmbeddedBatch.Failure] = []
        embedder.run(files) { batch in
            indices += batch.indices
            embeddings += batch.embeddings
            failures += batch.failures
        }
        #expect(indices == [0, 2, 3])
        #expect(failures.map(\.index) == [1, 4])
        let truncatedError = try #require(failures.first?.error as? ImageError)
        guard case .truncated = truncatedError.reason else {
            Issue.record("expected a truncated-image error, got \(truncatedError)")
            return
        }
        #expect("\(truncatedError)".contains("truncated.jpg"))
        #expect(failures.last?.error is ImageError)

        // Each embedding is the L2-normalised feature of that image run alone.
        let d = embedder.network.featureDimension
        let single = Network(model: model, maxBatch: 1, threads: 1)
        let prepare = ImageEmbedder.imagePreparation(size: model.inputSize)
        for (row, index) in indices.enumerated() {
            var input = [Float](repeating: 0, count: single.inputCount)
            try input.withUnsafeMutableBufferPointer { try prepare(files[index], $0) }
            let (feature, _) = input.withUnsafeBufferPointer { single.forward($0, count: 1) }
            let expected = Network.normalized(feature, dimension: d)
            let got = Array(embeddings[(row * d)..<((row + 1) * d)])
            #expect(maxAbsDifference(expected, got) <= 1e-5, "\(files[index].lastPathComponent)")
            #expect(abs(got.reduce(0) { $0 + $1 * $1 } - 1) <= 1e-4)
        }
    }
}

/// `cbr embed` and `cbr predict` end to end (the release-built binary).
@Suite("Embed and predict commands")
struct EmbedCommandTests {
    @Test("cbr embed writes the decodable images in order, lists the bad one, exits 1; cbr predict ranks")
    func embedCommand() throws {
        let dir = try TestData.temporaryDirectory("cbr-embed-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let jpeg = try Data(contentsOf: TestData.photo("rocket.jpg"))
        let truncated = dir.appendingPathComponent("truncated.jpg")
        try jpeg.prefix(4000).write(to: truncated)
        let model = dir.appendingPathComponent("lite0.h5"), out = dir.appendingPathComponent("e.h5")
        let imported = try CLIRun.cbr(["model", "import", try ReferenceRun.checkpoint(.lite0).path, "--out", model.path])
        #expect(imported.status == 0)

        let coffee = TestData.photo("coffee.png").path, chelsea = TestData.photo("chelsea.png").path
        let embed = try CLIRun.cbr(["embed", coffee, truncated.path, chelsea, "--model", model.path, "--out", out.path,
                                "--batch", "2", "--threads", "2"])
        #expect(embed.status == 1)
        #expect(embed.stderr.contains("truncated.jpg"))
        #expect(embed.stderr.contains("truncated image"))
        let summary = try TestData.runPython("""
            import sys, h5py, numpy as np
            f = h5py.File(sys.argv[1], 'r')
            e = f['embeddings'][:]
            print(e.shape[0], e.shape[1], e.dtype, round(float(np.abs(np.linalg.norm(e, axis=1) - 1).max()), 5))
            for p in f['paths'][:]: print(p.decode())
            """, [out.path])
        let lines = summary.split(separator: "\n").map(String.init)
        #expect(lines.first == "2 1280 float32 0.0")
        #expect(Array(lines.dropFirst()) == [coffee, chelsea])

        let predict = try CLIRun.cbr(["predict", coffee, "--model", model.path, "--top", "2"])
        #expect(predict.status == 0)
        #expect(predict.stdout.hasPrefix(coffee + "\t967:"))
    }
}
