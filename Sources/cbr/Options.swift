import Aggregate
import ArgumentParser
import Foundation
import Pipeline
import ShardedIndex

extension AggregationRule: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

extension PredictionWriter.Format: ExpressibleByArgument {}
extension ScalarType: ExpressibleByArgument {}
extension DecodeMode: ExpressibleByArgument {}

/// A usage error (exit code 2) unless `value` is within `range`; the message names the limit.
func checkOption(_ value: Int, _ option: String, _ range: ClosedRange<Int>) throws {
    do { try Limits.check(value, option, range) } catch { throw ValidationError("\(error)") }
}

/// The dataset arguments shared by `index build`, `index add` and `eval`.
struct DatasetArguments: ParsableArguments {
    @Argument(help: "A class-per-folder dataset: <dir>/<class>/<images…> (omit with --csv).")
    var dataset: String?

    @Option(help: "A GLDv2 CSV (id,landmark_id | landmark_id,images | id,landmarks); needs --images.")
    var csv: String?

    @Option(help: "The GLDv2 image root (image abc… at ROOT/a/b/c/abc….jpg).")
    var images: String?

    func load() throws -> Dataset { try Dataset.open(folder: dataset, csv: csv, images: images) }
}

/// Options shared by the commands that embed images (embed, predict, classify, eval, index build/add).
struct EmbeddingArguments: ParsableArguments {
    @Option(help: "The model file (default: the index's, else $CBR_HOME/models/efficientnet-lite0.h5).")
    var model: String?

    @Option(help: "Images per forward pass (1…\(Limits.batch.upperBound)).")
    var batch = 32

    @Option(help: "Threads for the network (1…\(Limits.threads.upperBound); default: every core).")
    var threads = min(ProcessInfo.processInfo.activeProcessorCount, Limits.threads.upperBound)

    @Option(help: "exact: decode every image at full size (Pillow's result); fast: JPEGs at least twice the size the resize needs are decoded at 1/2, 1/4 or 1/8 scale (docs/imaging.md).")
    var decode: DecodeMode = .exact

    var modelURL: URL? { model.map { URL(fileURLWithPath: $0) } }

    /// The model file, or the default one.
    var modelOrDefault: URL { modelURL ?? EmbeddingModel.defaultURL }

    func validate() throws {
        try checkOption(batch, "--batch", Limits.batch)
        try checkOption(threads, "--threads", Limits.threads)
    }
}

/// `--k`, `--top` and `--threshold` of the commands that rank classes.
struct RankingArguments: ParsableArguments {
    @Option(help: "Classes reported per image (1…\(Limits.top.upperBound)).") var top = 5
    @Option(help: "Neighbours retrieved per image (1…\(Limits.neighbours.upperBound)).") var k = 50
    @Option(help: "Below this score (on the rule's scale) the first answer is 'unknown'.") var threshold: Float?

    func validate() throws {
        try checkOption(top, "--top", Limits.top)
        try checkOption(k, "--k", Limits.neighbours)
        do { try Limits.checkFinite(threshold, "--threshold") } catch { throw ValidationError("\(error)") }
    }
}

/// The index directory: `--index DIR` (the positional form is a deprecated alias, kept for old scripts).
struct IndexLocation: ParsableArguments {
    @Option(help: "The index directory.") var index: String?
    @Argument(help: ArgumentHelp("Deprecated: use --index.", visibility: .hidden)) var positional: String?

    var url: URL { URL(fileURLWithPath: index ?? positional ?? "") }

    func validate() throws {
        switch (index, positional) {
        case (nil, nil): throw ValidationError("missing --index DIR")
        case (.some, .some): throw ValidationError("give the index once, as --index DIR")
        default: break
        }
    }
}
