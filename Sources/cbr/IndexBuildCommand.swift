import ArgumentParser
import Foundation
import Pipeline
import ShardedIndex

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

/// Options shared by the commands that embed images.
struct EmbeddingArguments: ParsableArguments {
    @Option(help: "The model file (default: the index's, else $CBR_HOME/models/efficientnet-lite0.h5).")
    var model: String?

    @Option(help: "Images per network batch.")
    var batch = 32

    @Option(help: "Threads for the network (default: every core).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    var modelURL: URL? { model.map { URL(fileURLWithPath: $0) } }
}

/// Runs a batch command body: a fatal error is one line on stderr and exit code 2; `partial` true means 1.
func runBatch(_ body: () throws -> Bool) throws {
    let allGood: Bool
    do { allGood = try body() } catch let exit as ExitCode { throw exit } catch {
        FileHandle.standardError.write(Data("cbr: \(error)\n".utf8))
        throw ExitCode(2)
    }
    if !allGood { throw ExitCode(1) }
}

struct IndexBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Index a labelled photo collection (class per folder, or GLDv2 --csv/--images).",
        discussion: "Bad images are skipped and listed on stderr (exit code 1). --resume continues an interrupted build.")

    @OptionGroup var data: DatasetArguments
    @Option(help: "The index directory to create.") var index: String
    @OptionGroup var embedding: EmbeddingArguments
    @Option(help: "Stored precision: float32 or float16.") var dtype: ScalarType = .float32
    @Option(help: "Rows per shard (default: 256 MB of embeddings).") var shardRows: Int?
    @Flag(help: "Continue an interrupted build: committed images are skipped.") var resume = false

    func run() throws {
        try runBatch {
            try indexImages(data, index: index, embedding: embedding, options: .init(
                mode: resume ? .resume : .create, dtype: dtype, batchSize: embedding.batch,
                threads: embedding.threads, shardRows: shardRows))
        }
    }
}

struct IndexAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add images and classes to an existing index (ids it already holds are skipped).")

    @OptionGroup var data: DatasetArguments
    @Option(help: "The index directory.") var index: String
    @OptionGroup var embedding: EmbeddingArguments
    @Option(help: "Rows per shard (default: 256 MB of embeddings).") var shardRows: Int?

    func run() throws {
        try runBatch {
            try indexImages(data, index: index, embedding: embedding, options: .init(
                mode: .add, batchSize: embedding.batch, threads: embedding.threads, shardRows: shardRows))
        }
    }
}

/// Indexes, prints the summary on stdout and the skipped entries on stderr; true when none was skipped.
private func indexImages(_ data: DatasetArguments, index: String, embedding: EmbeddingArguments,
                         options: IndexBuilder.Options) throws -> Bool {
    let summary = try IndexBuilder.run(try data.load(), index: URL(fileURLWithPath: index),
                                       model: embedding.modelURL, options: options)
    for problem in summary.skipped {
        FileHandle.standardError.write(Data("skipped \(problem)\n".utf8))
    }
    print(summary.report)
    return summary.skipped.isEmpty
}
