import ArgumentParser
import Embedder
import Foundation
import ModelImport
import Pipeline

extension DecodeMode: ExpressibleByArgument {}

/// `bench index-images`: end-to-end indexing images/s (decode + resize + embed + shard writes, through
/// `IndexBuilder`) next to the pure forward-pass images/s measured in the same run, interleaved by round, for
/// each decode mode; plus the embedder alone (decode overlapped with the network, no index) and the share of
/// its time the network sat idle waiting for decoded images.
struct IndexImagesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index-images",
        abstract: "End-to-end `index build` images/s against the pure forward pass, same run.")

    @Option(help: "A class-per-folder dataset.") var dataset: String
    @Option(help: "Model file (cbr model import).") var model: String
    @Option(help: "Images per batch.") var batch = 32
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Rounds (forward, then index build per decode mode, each round).") var rounds = 3
    @Option(help: "Decode modes measured, comma separated (exact, fast).") var decode = "exact,fast"
    @Option(help: "A label for the dataset in the report.") var label: String?
    @Option(help: "Write the report as JSON to this file.") var json: String?

    func run() throws {
        let modes = try decode.split(separator: ",").map { name in
            guard let mode = DecodeMode(rawValue: String(name)) else { throw ValidationError("unknown decode mode \(name)") }
            return mode
        }
        let data = try Dataset.classFolders(at: URL(fileURLWithPath: dataset))
        let modelURL = URL(fileURLWithPath: model)
        let folded = try FoldedModel.load(modelURL)
        let embedding = EmbeddingModel(url: modelURL, model: folded)
        let name = label ?? URL(fileURLWithPath: dataset).lastPathComponent
        var report = Report(benchmark: "index build end to end vs forward pass (\(name): \(data.items.count) images, batch \(batch), \(threads) threads)",
                            columns: ["round", "decode", "forward images/s", "index build images/s", "ratio",
                                      "embed only images/s", "network idle %"])
        var ratios: [DecodeMode: [Double]] = [:]
        var embeddings: [DecodeMode: [Int: [Float]]] = [:]
        for round in 1...rounds {
            let forward = ForwardMeasurement.measure(folded, batch: batch, threads: threads, seconds: 3).imagesPerSecond
            for mode in modes {
                let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-index-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: scratch) }
                let summary = try IndexBuilder.run(data, index: scratch, model: modelURL,
                                                   options: .init(batchSize: batch, threads: threads, decode: mode),
                                                   progress: false)
                let e2e = summary.imagesPerSecond
                ratios[mode, default: []].append(e2e / forward)
                let embedder = embedding.embedder(batchSize: batch, threads: threads, decode: mode)
                var embedded = 0
                var vectors: [Int: [Float]] = [:]
                embedder.run(data.items.map(\.file.url)) { batch in
                    embedded += batch.count + batch.failures.count
                    if round == 1 {
                        for (row, index) in batch.indices.enumerated() {
                            vectors[index] = Array(batch.embeddings[(row * batch.dimension)..<((row + 1) * batch.dimension)])
                        }
                    }
                }
                if round == 1 { embeddings[mode] = vectors }
                let timing = embedder.timing
                report.add([.number(Double(round), digits: 0), .text(mode.rawValue), .number(forward, digits: 1),
                            .number(e2e, digits: 1), .number(e2e / forward, digits: 3),
                            .number(Double(embedded) / timing.total, digits: 1),
                            .number(100 * timing.idleShare, digits: 1)])
            }
        }
        for mode in modes {
            let sorted = ratios[mode, default: [0]].sorted()
            report.notes.append(String(format: "%@ decode: median ratio %.3f (goal >= %@)", mode.rawValue,
                                       sorted[sorted.count / 2], mode == .exact ? "0.85" : "0.95"))
        }
        if let exact = embeddings[.exact], let fast = embeddings[.fast] {
            let cosines = exact.keys.sorted().compactMap { i in fast[i].map { zip($0, exact[i]!).reduce(0) { $0 + Double($1.0 * $1.1) } } }
            if !cosines.isEmpty {
                let sorted = cosines.sorted()
                report.notes.append(String(format: "fast vs exact decoding, cosine of the L2-normalised embeddings over %d images: min %.5f, median %.5f, mean %.5f",
                                           cosines.count, sorted[0], sorted[sorted.count / 2], cosines.reduce(0, +) / Double(cosines.count)))
            }
        }
        report.notes.append("network idle: share of the embedder's run spent waiting for decoded batches (the first batch's decode included)")
        try report.emit(json: json)
    }
}
