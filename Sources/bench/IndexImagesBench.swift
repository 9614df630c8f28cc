import ArgumentParser
import Embedder
import Foundation
import ModelImport
import Pipeline

/// `bench index-images`: end-to-end indexing images/s (decode + resize + embed + shard writes, through
/// `IndexBuilder`) next to the pure forward-pass images/s measured in the same run, interleaved by round.
struct IndexImagesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index-images",
        abstract: "End-to-end `index build` images/s against the pure forward pass, same run.")

    @Option(help: "A class-per-folder dataset.") var dataset: String
    @Option(help: "Model file (cbr model import).") var model: String
    @Option(help: "Images per batch.") var batch = 32
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Rounds (forward, then index build, each round).") var rounds = 3
    @Option(help: "Write the report as JSON to this file.") var json: String?

    func run() throws {
        let data = try Dataset.classFolders(at: URL(fileURLWithPath: dataset))
        let folded = try FoldedModel.load(URL(fileURLWithPath: model))
        var report = Report(benchmark: "index build end to end vs forward pass (\(data.items.count) images, batch \(batch), \(threads) threads)",
                            columns: ["round", "forward images/s", "index build images/s", "ratio"])
        var ratios: [Double] = []
        for round in 1...rounds {
            let forward = ForwardMeasurement.measure(folded, batch: batch, threads: threads, seconds: 3).imagesPerSecond
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-index-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let summary = try IndexBuilder.run(data, index: scratch, model: URL(fileURLWithPath: model),
                                               options: .init(batchSize: batch, threads: threads), progress: false)
            let e2e = summary.imagesPerSecond
            ratios.append(e2e / forward)
            report.add([.number(Double(round), digits: 0), .number(forward, digits: 1), .number(e2e, digits: 1),
                        .number(e2e / forward, digits: 3)])
        }
        report.notes.append(String(format: "median ratio %.3f (goal >= 0.85)", ratios.sorted()[ratios.count / 2]))
        try report.emit(json: json)
    }
}
