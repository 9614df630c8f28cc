import ArgumentParser
import CLI
import Foundation
import Pipeline

/// `cbr head …`: a linear head trained on the index's frozen embeddings (docs/learning.md).
struct HeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract: "Train a linear classifier head on the index's embeddings (use it with classify/eval --head).",
        subcommands: [HeadFitCommand.self])
}

struct HeadFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Closed-form ridge regression on one-hot targets; λ by K-fold cross-validation with --l2 auto.")

    @Option(help: "The index directory.") var index: String
    @Option(help: "The head file to write (HDF5).") var out: String
    @Option(help: "The ridge penalty λ (> 0), or 'auto' for K-fold cross-validation.") var l2 = "auto"
    @Option(help: "Cross-validation folds (2…100).") var folds = 5
    @Option(help: "Rows held out across the folds (\(HeadFit.sampleLimit); all rows of a smaller index).")
    var cvRows = 2000
    @Option(help: "Seed of the held-out sample.") var seed: UInt64 = 1

    var penalty: HeadFit.Penalty? {
        if l2 == "auto" { return .auto }
        return Double(l2).flatMap { $0.isFinite && $0 > 0 ? .fixed($0) : nil }
    }

    func validate() throws {
        guard penalty != nil else { throw ValidationError("--l2 must be a positive number or 'auto' (got \(l2))") }
        try checkOption(folds, "--folds", 2...100)
        try checkOption(cvRows, "--cv-rows", HeadFit.sampleLimit)
    }

    func run() throws {
        try runCommand { console in
            try Commands.fitHead(index: URL(fileURLWithPath: index), out: out,
                                 options: .init(penalty: penalty ?? .auto, folds: folds, sampleRows: cvRows, seed: seed),
                                 console: console)
        }
    }
}
