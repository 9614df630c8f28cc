import ArgumentParser
import CLI
import Foundation
import Pipeline

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Index scikit-image's photos (each its own class), classify unseen crops and mirror images of them.")

    @Option(help: "The photos (default: $CBR_HOME/photos).") var photos: String?
    @Option(help: "Keep the demo index here (default: a temporary directory, removed afterwards).") var index: String?
    @Option(help: "The model file (default: $CBR_HOME/models/efficientnet-lite0.h5).") var model: String?
    @Option(help: "Threads for the network (1…\(Limits.threads.upperBound)).")
    var threads = min(ProcessInfo.processInfo.activeProcessorCount, Limits.threads.upperBound)

    func validate() throws { try checkOption(threads, "--threads", Limits.threads) }

    func run() throws {
        try runCommand { console in
            try Commands.demo(photos: photos.map { URL(fileURLWithPath: $0) }, index: index.map { URL(fileURLWithPath: $0) },
                              model: model.map { URL(fileURLWithPath: $0) }, threads: threads, console: console)
        }
    }
}
