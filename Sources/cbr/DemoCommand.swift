import ArgumentParser
import Foundation
import Pipeline

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Index scikit-image's photos (each its own class), classify unseen crops and mirror images of them.")

    @Option(help: "The photos (default: $CBR_HOME/photos).") var photos: String?
    @Option(help: "Keep the demo index here (default: a temporary directory, removed afterwards).") var index: String?
    @Option(help: "The model file (default: $CBR_HOME/models/efficientnet-lite0.h5).") var model: String?
    @Option(help: "Threads for the network.") var threads = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        try runBatch {
            let home = ProcessInfo.processInfo.environment["CBR_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ".cache"
            let photos = URL(fileURLWithPath: photos ?? home + "/photos")
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cbr-demo-\(UUID().uuidString)")
            let index = index.map { URL(fileURLWithPath: $0) } ?? scratch
            defer { try? FileManager.default.removeItem(at: scratch) }
            let result = try Demo.run(photos: photos, index: index, model: model.map { URL(fileURLWithPath: $0) },
                                      threads: threads) { print($0) }
            let right = result.queries.filter(\.correct).count
            print(String(format: "accuracy: %d/%d = %.1f%% on views the index never saw (%.1f s)",
                         right, result.queries.count, 100 * result.accuracy, result.seconds))
            return true
        }
    }
}
