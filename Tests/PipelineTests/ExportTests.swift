import Foundation
import Testing
import TestSupport

/// A child process (cbr, ONNX Runtime's Python) that failed.
struct ChildFailure: Error, CustomStringConvertible {
    let status: Int32
    let stderr: String
    var description: String { "exited with \(status): \(stderr)" }
}

/// `cbr export`: the ONNX model run by ONNX Runtime (the benchmark virtualenv, `Benchmarks/setup`) on the
/// pixels cbr feeds its own network (`cbr embed --pixels`) answers like `cbr classify` on the same photos.
private enum Shared {
    static let dataset = Result { try AugmentedPhotos.make() }

    /// Class i keeps 1 + i mod 3 of its training views: classes of 1, 2 and 3 rows, so the max layer has
    /// three groups (Slice, Reshape, ReduceMax, Concat and the Gather back to class order).
    static let varied: Result<URL, any Error> = Result { try index(named: "varied") { 1 + $0 % 3 } }
    /// One training view per class: one group of one row each (no reduction at all).
    static let single: Result<URL, any Error> = Result { try index(named: "single") { _ in 1 } }

    /// The query views' network input and cbr's embeddings of them.
    static let queries: Result<URL, any Error> = Result {
        let root = try dataset.get()
        let out = root.appendingPathComponent("queries.h5")
        let run = try CLIRun.cbr(["embed", root.appendingPathComponent("query").path, "--pixels", "--out", out.path])
        guard run.status == 0 else { throw ChildFailure(status: run.status, stderr: run.stderr) }
        return out
    }

    static func index(named name: String, views: (Int) -> Int) throws -> URL {
        let root = try dataset.get()
        let train = root.appendingPathComponent("train"), chosen = root.appendingPathComponent("train-\(name)")
        for (i, c) in try AugmentedPhotos.classNames().enumerated() {
            let folder = chosen.appendingPathComponent(c)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for v in 0..<views(i) {
                try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("v\(v).jpg"),
                                                           withDestinationURL: train.appendingPathComponent("\(c)/v\(v).jpg"))
            }
        }
        let index = root.appendingPathComponent("index-\(name)")
        let run = try CLIRun.cbr(["index", "build", chosen.path, "--index", index.path])
        guard run.status == 0 else { throw ChildFailure(status: run.status, stderr: run.stderr) }
        return index
    }
}

/// What the exported model answered for each query.
struct ORTAnswers {
    var classes: [String]
    var paths: [String]
    /// `[query][class]`.
    var scores: [[Double]]
    var topClasses: [[Int]]
    var topScores: [[Double]]
    /// Largest |ORT embedding − cbr embedding| over all queries.
    var embeddingError: Double

    static let script = #"""
import json, sys
import h5py, numpy as np, onnx, onnxruntime as ort
model, queries = sys.argv[1], sys.argv[2]
onnx.checker.check_model(model, full_check=True)  # the ONNX checker, with shape inference
with h5py.File(queries, "r") as f:
    pixels = np.asarray(f["pixels"], dtype=np.uint8)
    paths = [p.decode() if isinstance(p, bytes) else str(p) for p in f["paths"][:]]
    cbr_embeddings = np.asarray(f["embeddings"], dtype=np.float32)
session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
meta = session.get_modelmeta().custom_metadata_map
scores, top_scores, top_classes, embeddings = session.run(
    ["scores", "top_scores", "top_classes", "embeddings"], {"images": pixels})
print(json.dumps({"classes": json.loads(meta["cbr.classes"]), "paths": paths, "scores": scores.tolist(),
                  "top_scores": top_scores.tolist(), "top_classes": top_classes.tolist(),
                  "embedding_error": float(np.abs(embeddings - cbr_embeddings).max())}))
"""#

    /// The benchmark virtualenv's Python (onnx, onnxruntime, h5py, numpy): `make test` runs Benchmarks/setup.
    static var python: String { TestData.home.appendingPathComponent("bench-venv/bin/python").path }

    static func run(model: URL, queries: URL) throws -> ORTAnswers {
        let result = try ChildProcess.run(python, ["-c", script, model.path, queries.path])
        guard result.status == 0 else { throw ChildFailure(status: result.status, stderr: result.stderr) }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return ORTAnswers(classes: try #require(object["classes"] as? [String]), paths: try #require(object["paths"] as? [String]),
                          scores: try #require(object["scores"] as? [[Double]]),
                          topClasses: try #require(object["top_classes"] as? [[Int]]),
                          topScores: try #require(object["top_scores"] as? [[Double]]),
                          embeddingError: try #require(object["embedding_error"] as? Double))
    }
}

/// `cbr classify --format jsonl`: image → ranked (class, score).
func classify(_ queries: URL, index: URL, _ extra: [String] = []) throws -> [String: [(name: String, score: Double)]] {
    let run = try CLIRun.cbr(["classify", queries.path, "--index", index.path, "--format", "jsonl", "--top", "5"] + extra)
    #expect(run.status == 0, "\(run.stderr)")
    var answers: [String: [(name: String, score: Double)]] = [:]
    for line in run.stdout.split(separator: "\n") {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let predictions = try #require(object["predictions"] as? [[String: Any]])
        answers[try #require(object["image"] as? String)] = predictions.map {
            (($0["class"] as? String) ?? "", ($0["score"] as? Double) ?? .nan)
        }
    }
    return answers
}

@Suite(.serialized) struct ExportTests {
    func export(_ index: URL, _ options: [String] = [], name: String = "model.onnx") throws -> URL {
        let out = try TestData.temporaryDirectory("export").appendingPathComponent(name)
        let run = try CLIRun.cbr(["export", "--index", index.path, "--out", out.path] + options)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\(out.path): efficientnet-lite0 224 px"))
        return out
    }

    /// Every query: the same top-1 class as cbr classify, and every score cbr lists within `tolerance`.
    func expectAgreement(_ ort: ORTAnswers, _ cbr: [String: [(name: String, score: Double)]], tolerance: Double,
                         classCount: Int) throws -> Double {
        #expect(ort.classes.count == classCount)
        let queryCount = 2 * (try AugmentedPhotos.classNames().count)
        #expect(ort.paths.count == cbr.count && ort.paths.count == queryCount)
        var worst = 0.0
        for (q, path) in ort.paths.enumerated() {
            let expected = try #require(cbr[path], "cbr classify has no answer for \(path)")
            let scores = ort.scores[q]
            #expect(scores.count == classCount)
            let best = try #require(scores.indices.max { scores[$0] < scores[$1] })
            #expect(ort.classes[best] == expected[0].name, "\(path)")
            #expect(ort.classes[ort.topClasses[q][0]] == expected[0].name, "\(path)")
            #expect(ort.topScores[q] == ort.topClasses[q].map { scores[$0] })
            #expect(zip(ort.topScores[q], ort.topScores[q].dropFirst()).allSatisfy { $0 >= $1 })
            for (name, score) in expected {
                let c = try #require(ort.classes.firstIndex(of: name))
                worst = max(worst, abs(scores[c] - score))
            }
        }
        #expect(worst <= tolerance)
        return worst
    }

    @Test func maxOverClassesOfOneTwoAndThreeRowsAgreesWithClassify() throws {
        let index = try Shared.varied.get(), queries = try Shared.queries.get()
        let query = try Shared.dataset.get().appendingPathComponent("query")
        let ort = try ORTAnswers.run(model: try export(index), queries: queries)
        #expect(ort.embeddingError <= 1e-4)
        let classes = try AugmentedPhotos.classNames()
        #expect(ort.classes == classes)
        _ = try expectAgreement(ort, try classify(query, index: index), tolerance: 1e-4, classCount: classes.count)
    }

    @Test func prototypeAndMeanAgreeWithClassify() throws {
        let index = try Shared.varied.get(), queries = try Shared.queries.get()
        let query = try Shared.dataset.get().appendingPathComponent("query")
        let count = try AugmentedPhotos.classNames().count
        let prototype = try ORTAnswers.run(model: try export(index, ["--aggregate", "prototype"]), queries: queries)
        _ = try expectAgreement(prototype, try classify(query, index: index, ["--aggregate", "prototype"]),
                                tolerance: 1e-4, classCount: count)
        // The exported mean is over all of a class's rows; classify's over the rows in the top k: equal when
        // k covers the index.
        let mean = try ORTAnswers.run(model: try export(index, ["--aggregate", "mean"]), queries: queries)
        _ = try expectAgreement(mean, try classify(query, index: index, ["--aggregate", "mean", "--k", "10000"]),
                                tolerance: 1e-4, classCount: count)
    }

    @Test func removedClassIsLeftOut() throws {
        let root = try Shared.dataset.get(), queries = try Shared.queries.get()
        let index = root.appendingPathComponent("index-removed")
        try FileManager.default.copyItem(at: try Shared.varied.get(), to: index)
        let removed = "coffee"
        let remove = try CLIRun.cbr(["index", "remove", "--class", removed, "--index", index.path])
        #expect(remove.status == 0, "\(remove.stderr)")
        let model = try export(index)
        let ort = try ORTAnswers.run(model: model, queries: queries)
        let classes = try AugmentedPhotos.classNames()
        #expect(ort.classes == classes.filter { $0 != removed })
        _ = try expectAgreement(ort, try classify(root.appendingPathComponent("query"), index: index), tolerance: 1e-4,
                                classCount: classes.count - 1)
        let info = try CLIRun.cbr(["export", "--info", model.path])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("classes:     \(classes.count - 1): astronaut, brick,"))
        #expect(info.stdout.contains("1 classes left out"))
        #expect(info.stdout.contains("aggregation: max over"))
        #expect(info.stdout.contains("output:      top_classes: int64 [N, 5]"))
    }

    @Test func whitenedIndexExportsItsProjection() throws {
        let root = try Shared.dataset.get(), queries = try Shared.queries.get()
        let index = root.appendingPathComponent("index-whitened")
        try FileManager.default.copyItem(at: try Shared.varied.get(), to: index)
        let whiten = try CLIRun.cbr(["index", "whiten", "--index", index.path, "--method", "pca", "--dims", "32",
                                     "--shrinkage", "0.25"])
        #expect(whiten.status == 0, "\(whiten.stderr)")
        let model = try export(index)
        let ort = try ORTAnswers.run(model: model, queries: queries)
        _ = try expectAgreement(ort, try classify(root.appendingPathComponent("query"), index: index), tolerance: 1e-4,
                                classCount: try AugmentedPhotos.classNames().count)
        let info = try CLIRun.cbr(["export", "--info", model.path])
        #expect(info.stdout.contains("whitening 1280 -> 32"), "\(info.stdout)")
    }

    @Test func oneRowPerClassAgreesWithClassify() throws {
        let index = try Shared.single.get(), queries = try Shared.queries.get()
        let ort = try ORTAnswers.run(model: try export(index, ["--top", "3"]), queries: queries)
        #expect(ort.topClasses.allSatisfy { $0.count == 3 })
        _ = try expectAgreement(ort, try classify(try Shared.dataset.get().appendingPathComponent("query"), index: index),
                                tolerance: 1e-4, classCount: try AugmentedPhotos.classNames().count)
    }

    @Test func float16WeightsHalveTheFileAndKeepTheAnswers() throws {
        let index = try Shared.varied.get(), queries = try Shared.queries.get()
        let full = try export(index), half = try export(index, ["--dtype", "float16"])
        let size = { (url: URL) in (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0 }
        let ratio = Double(try size(half)) / Double(try size(full))
        #expect(ratio > 0.49 && ratio < 0.52, "float16 / float32 size \(ratio)")
        let ort = try ORTAnswers.run(model: half, queries: queries)
        _ = try expectAgreement(ort, try classify(try Shared.dataset.get().appendingPathComponent("query"), index: index),
                                tolerance: 5e-3, classCount: try AugmentedPhotos.classNames().count)
    }

    @Test func externalDataGivesTheSameModel() throws {
        let index = try Shared.varied.get(), queries = try Shared.queries.get()
        let inline = try ORTAnswers.run(model: try export(index), queries: queries)
        // A small threshold stands in for a model over 2 GB: every tensor of 4 KiB or more goes to the data file.
        let model = try export(index, ["--external-data-threshold", "4096"])
        let data = URL(fileURLWithPath: model.path + ".data")
        let modelSize = try #require(try FileManager.default.attributesOfItem(atPath: model.path)[.size] as? Int)
        let dataSize = try #require(try FileManager.default.attributesOfItem(atPath: data.path)[.size] as? Int)
        #expect(modelSize < 1 << 20 && dataSize > 10 << 20)
        let external = try ORTAnswers.run(model: model, queries: queries)
        #expect(external.scores == inline.scores)
        #expect(external.topClasses == inline.topClasses)
        let info = try CLIRun.cbr(["export", "--info", model.path])
        #expect(info.stdout.contains("(external: model.onnx.data)"), "\(info.stdout)")
    }

    @Test func importedEmbeddingsExportWithTheModelNamed() throws {
        let queries = try Shared.queries.get(), dir = try TestData.temporaryDirectory("export-imported")
        // Each query embedding is a row of its own class: the model must find each query's own row.
        let names = try ORTAnswers.run(model: try export(try Shared.single.get()), queries: queries).paths
            .map { URL(fileURLWithPath: $0).deletingLastPathComponent().lastPathComponent + "/" + URL(fileURLWithPath: $0).lastPathComponent }
        let labels = dir.appendingPathComponent("labels.txt")
        try (names.joined(separator: "\n") + "\n").write(to: labels, atomically: true, encoding: .utf8)
        let index = dir.appendingPathComponent("index")
        let imported = try CLIRun.cbr(["index", "import", queries.path, "--labels", labels.path, "--index", index.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let out = dir.appendingPathComponent("m.onnx")
        let refused = try CLIRun.cbr(["export", "--index", index.path, "--out", out.path])
        #expect(refused.status == 2 && refused.stderr == "cbr: \(index.path): the index records no model (imported embeddings): give --model\n")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let model = TestData.home.appendingPathComponent("models/efficientnet-lite0.h5").path
        let ort = try ORTAnswers.run(model: try export(index, ["--model", model]), queries: queries)
        #expect(ort.classes == names)
        for q in ort.paths.indices {
            #expect(ort.classes[ort.topClasses[q][0]] == names[q])
            #expect(abs(ort.topScores[q][0] - 1) <= 1e-4)
        }
    }

    @Test func aFullDiskIsOneLineAndLeavesNoFile() throws {
        let index = try Shared.single.get()
        for options in [[], ["--external-data"]] {
            let dir = try TestData.temporaryDirectory("export-full")
            let out = dir.appendingPathComponent("m.onnx")
            // 2 MB: the model's 13.5 MB of weights cannot be written.
            let run = try CLIRun.cbr(["export", "--index", index.path, "--out", out.path] + options, fileSizeBlocks: 4096)
            #expect(run.status == 2, "\(options)")
            #expect(run.stderr.hasPrefix("cbr: \(out.path)") && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "\(options)")
        }
    }

    @Test func badInputsAreOneLineErrorsAndLeaveNoFile() throws {
        let dir = try TestData.temporaryDirectory("export-bad")
        let out = dir.appendingPathComponent("m.onnx")
        let missing = try CLIRun.cbr(["export", "--index", dir.appendingPathComponent("nope").path, "--out", out.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.split(separator: "\n").count == 1 && missing.stderr.contains("not a cbr index"))
        let png = TestData.photo("chelsea.png")
        let notONNX = try CLIRun.cbr(["export", "--info", png.path])
        #expect(notONNX.status == 2)
        #expect(notONNX.stderr.hasPrefix("cbr: \(png.path): not an ONNX model") && notONNX.stderr.split(separator: "\n").count == 1)
        // A real export cut in half.
        let model = try export(try Shared.single.get())
        let bytes = try Data(contentsOf: model)
        let cut = dir.appendingPathComponent("cut.onnx")
        try bytes.prefix(bytes.count / 2).write(to: cut)
        let truncated = try CLIRun.cbr(["export", "--info", cut.path])
        #expect(truncated.status == 2)
        #expect(truncated.stderr.hasPrefix("cbr: \(cut.path): not an ONNX model") && truncated.stderr.split(separator: "\n").count == 1)
        // An ONNX model that cbr did not export.
        let foreign = dir.appendingPathComponent("foreign.onnx")
        let made = try ChildProcess.run(ORTAnswers.python, ["-c", "import onnx, sys; from onnx import helper; "
            + "onnx.save(helper.make_model(helper.make_graph([], 'g', [], [])), sys.argv[1])", foreign.path])
        #expect(made.status == 0, "\(made.stderr)")
        let notCBR = try CLIRun.cbr(["export", "--info", foreign.path])
        #expect(notCBR.status == 2 && notCBR.stderr == "cbr: \(foreign.path): not a cbr classifier export (no cbr.recipe metadata)\n")
        let usage = try CLIRun.cbr(["export", "--index", dir.path])
        #expect(usage.status == 2 && usage.stderr.contains("--out"))
        let top = try CLIRun.cbr(["export", "--index", dir.path, "--out", out.path, "--top", "0"])
        #expect(top.status == 2 && top.stderr.contains("--top must be between 1 and 1000"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["cut.onnx", "foreign.onnx"])
    }
}
