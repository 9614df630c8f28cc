import Embedder
import Foundation
import Imaging

extension Commands {
    /// `cbr embed`: the images found in `inputs` → an embeddings file at `out` (the images that decoded,
    /// in input order). Images that fail are listed and skipped. With `pixels`, the file also holds each
    /// image's resized and cropped RGB pixels, the network's input before `(x − 127)/128` (what an exported
    /// ONNX classifier takes).
    public static func embed(_ inputs: [String], model url: URL, out: String, batchSize: Int, threads: Int,
                             decode: DecodeMode = .exact, pixels: Bool = false, console: Console) throws {
        let output = try AtomicOutput(out)
        let listing = ImageWalker.expand(inputs)
        try report(listing.problems, on: console)
        let model = try EmbeddingModel.load(url)
        let files = listing.files
        var paths: [String] = []
        var embeddings: [Float] = []
        var prepared: [URL] = []
        let meter = ProgressLine(total: files.count, label: "embedding")
        try model.embedder(batchSize: batchSize, threads: threads, decode: decode).run(files.map(\.url)) { batch in
            for failure in batch.failures {
                try console.failure(Dataset.Problem(path: files[failure.index].description, error: failure.error))
            }
            paths += batch.indices.map { files[$0].description }
            if pixels { prepared += batch.indices.map { files[$0].url } }
            embeddings += batch.embeddings.prefix(batch.count * batch.dimension)
            meter.advance(by: batch.count + batch.failures.count)
        }
        meter.finish()
        let inputPixels = pixels ? try networkInputPixels(prepared, size: model.model.inputSize, decode: decode) : nil
        try EmbeddingsFile.write(to: output, embeddings: embeddings, paths: paths, dimension: model.dimension, model: model,
                                 pixels: inputPixels)
    }

    /// The RGB8 pixels the network was fed for each of `files` (which all prepared once already): prepared
    /// again by the same reader, then `x·128 + 127`, which inverts `(x − 127)/128` exactly.
    static func networkInputPixels(_ files: [URL], size: Int, decode: DecodeMode) throws -> [UInt8] {
        let prepare = ImageFileReader.preparation(input: DescriptorInput(sizes: [size]), decode: decode)
        let count = size * size * 3
        var tensor = [Float](repeating: 0, count: count)
        var out: [UInt8] = []
        out.reserveCapacity(files.count * count)
        for file in files {
            try tensor.withUnsafeMutableBufferPointer { try prepare(file, $0) }
            out += tensor.map { UInt8(($0 * 128 + 127).rounded()) }
        }
        return out
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
