import ArgumentParser
import Foundation
import Pipeline
import ShardedIndex

public struct IndexBuild<Host: CommandHost>: ParsableCommand {
    public init() {}

    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "build",
        abstract: "Index a labelled photo collection (class per folder, or GLDv2 --csv/--images).",
        discussion: "Bad images are skipped and listed on stderr (exit code 1). --resume continues an interrupted build.") }

    @OptionGroup public var data: DatasetArguments
    @Option(help: "The index directory to create.") public var index: String
    @OptionGroup public var embedding: EmbeddingArguments
    @Option(help: "Stored precision: float32 or float16.") public var dtype: ScalarType = .float32
    @Option(help: "Rows per shard (1…\(Limits.shardRows.upperBound); default: 256 MB of embeddings).") public var shardRows: Int?
    @Flag(help: "Continue an interrupted build: committed images are skipped.") public var resume = false
    @OptionGroup(title: "Descriptor (recorded by the index; queries are embedded the same way)")
    public var descriptor: DescriptorArguments

    public func validate() throws { if let shardRows { try checkOption(shardRows, "--shard-rows", Limits.shardRows) } }

    public func run() throws {
        try Host.run { console, cluster in
            try Commands.indexImages(try data.load(), index: URL(fileURLWithPath: index), model: embedding.modelURL,
                                     options: .init(mode: resume ? .resume : .create, dtype: dtype, batchSize: embedding.batch,
                                                    threads: embedding.threads(for: Host.self), shardRows: shardRows,
                                                    decode: embedding.decode, descriptor: try descriptor.descriptor()),
                                     cluster: cluster, console: console)
        }
    }
}

public struct IndexAdd<Host: CommandHost>: ParsableCommand {
    public init() {}

    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "add",
        abstract: "Add images and classes to an existing index (images it already holds, same id and content, are skipped).") }

    @OptionGroup public var data: DatasetArguments
    @Option(help: "The index directory.") public var index: String
    @OptionGroup public var embedding: EmbeddingArguments
    @Option(help: "Rows per shard (1…\(Limits.shardRows.upperBound); default: 256 MB of embeddings).") public var shardRows: Int?
    @Flag(help: "Re-embed the images whose file changed since it was indexed (same id, other content) and drop their old rows.")
    public var replace = false
    @OptionGroup public var pseudo: PseudoLabelArguments

    public func validate() throws {
        if let shardRows { try checkOption(shardRows, "--shard-rows", Limits.shardRows) }
        if replace, pseudo.isRequested { throw ValidationError("--replace applies to labelled images, not to --pseudo-label") }
    }

    public func run() throws {
        try Host.run { console, cluster in
            if pseudo.isRequested {
                guard cluster.size == 1 else { throw CLIError.usage("--pseudo-label runs in one process: use cbr, not cbr-mpi") }
                let threads = embedding.threads(for: Host.self)
                return try Commands.pseudoLabel(pseudo.pseudoLabel, index: URL(fileURLWithPath: index), model: embedding.modelURL,
                                                options: pseudo.options(
                                                    classify: .init(top: 2, batchSize: embedding.batch, threads: threads, decode: embedding.decode),
                                                    build: .init(mode: .add, batchSize: embedding.batch, threads: threads,
                                                                 shardRows: shardRows, decode: embedding.decode)),
                                                console: console)
            }
            try Commands.indexImages(try data.load(), index: URL(fileURLWithPath: index), model: embedding.modelURL,
                                     options: .init(mode: .add, batchSize: embedding.batch, threads: embedding.threads(for: Host.self),
                                                    shardRows: shardRows, decode: embedding.decode, replace: replace), cluster: cluster,
                                     console: console)
        }
    }
}
