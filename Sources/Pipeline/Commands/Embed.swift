import Foundation
import Imaging

extension Commands {
    /// `cbr embed`: the images found in `inputs` → an embeddings file at `out` (the images that decoded,
    /// in input order). Images that fail are listed and skipped.
    public static func embed(_ inputs: [String], model url: URL, out: String, batchSize: Int, threads: Int,
                             decode: DecodeMode = .exact, console: Console) throws {
        let output = try AtomicOutput(out)
        let listing = ImageWalker.expand(inputs)
        try report(listing.problems, on: console)
        let model = try EmbeddingModel.load(url)
        let files = listing.files
        var paths: [String] = []
        var embeddings: [Float] = []
        let meter = ProgressLine(total: files.count, label: "embedding")
        try model.embedder(batchSize: batchSize, threads: threads, decode: decode).run(files.map(\.url)) { batch in
            for failure in batch.failures {
                try console.failure(Dataset.Problem(path: files[failure.index].description, error: failure.error))
            }
            paths += batch.indices.map { files[$0].description }
            embeddings += batch.embeddings.prefix(batch.count * batch.dimension)
            meter.advance(by: batch.count + batch.failures.count)
        }
        meter.finish()
        try EmbeddingsFile.write(to: output, embeddings: embeddings, paths: paths, dimension: model.dimension, model: model)
    }

    /// `cbr predict`: each image's `top` ImageNet classes (index:probability), one line per image.
    public static func predict(_ inputs: [String], model url: URL, top: Int, batchSize: Int, threads: Int,
                               decode: DecodeMode = .exact, console: Console) throws {
        let listing = ImageWalker.expand(inputs)
        try report(listing.problems, on: console)
        let files = listing.files
        let embedder = try EmbeddingModel.load(url).embedder(batchSize: batchSize, threads: threads, decode: decode)
        try embedder.run(files.map(\.url)) { batch in
            for failure in batch.failures {
                try console.failure(Dataset.Problem(path: files[failure.index].description, error: failure.error))
            }
            for (row, index) in batch.indices.enumerated() {
                let ranked = Softmax.top(Array(batch.logits(row)), top)
                try console.print(files[index].description + "\t"
                    + ranked.map { "\($0.index):" + String(format: "%.4f", $0.probability) }.joined(separator: " "))
            }
        }
    }
}

public enum Softmax {
    /// The `k` most probable classes of `logits` under a softmax, most probable first.
    public static func top(_ logits: [Float], _ k: Int) -> [(index: Int, probability: Double)] {
        let peak = Double(logits.max() ?? 0)
        let exps = logits.map { Foundation.exp(Double($0) - peak) }
        let sum = exps.reduce(0, +)
        return exps.indices.sorted { exps[$0] > exps[$1] }.prefix(k).map { ($0, exps[$0] / sum) }
    }
}
