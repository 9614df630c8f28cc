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
extension Route: ExpressibleByArgument {}
extension QueryExpansion: ExpressibleByArgument {}

/// A usage error (exit code 2) unless `value` is within `range`; the message names the limit.
public func checkOption(_ value: Int, _ option: String, _ range: ClosedRange<Int>) throws {
    do { try Limits.check(value, option, range) } catch { throw ValidationError("\(error)") }
}

/// The dataset arguments shared by `index build`, `index add` and `eval`.
public struct DatasetArguments: ParsableArguments {
    public init() {}

    @Argument(help: "A class-per-folder dataset: <dir>/<class>/<images…> (omit with --csv).")
    public var dataset: String?

    @Option(help: "A GLDv2 CSV (id,landmark_id | landmark_id,images | id,landmarks); needs --images.")
    public var csv: String?

    @Option(help: "The GLDv2 image root (image abc… at ROOT/a/b/c/abc….jpg).")
    public var images: String?

    public func load() throws -> Dataset { try Dataset.open(folder: dataset, csv: csv, images: images) }
}

/// Options shared by the commands that embed images (embed, predict, classify, eval, index build/add).
public struct EmbeddingArguments: ParsableArguments {
    public init() {}

    @Option(help: "The model file (default: the index's, else $CBR_HOME/models/efficientnet-lite0.h5).")
    public var model: String?

    @Option(help: "Images per forward pass (1…\(Limits.batch.upperBound)).")
    public var batch = 32

    @Option(help: "Threads for the network and the search (1…\(Limits.threads.upperBound); default: every core, shared equally by the cbr-mpi ranks on one machine).")
    public var threads: Int?

    /// `--threads`, or the host's default (every core for cbr; a share of them per cbr-mpi rank).
    public func threads<Host: CommandHost>(for host: Host.Type) -> Int { threads ?? Host.defaultThreads }

    @Option(help: "exact: decode every image at full size (Pillow's result); fast: JPEGs at least twice the size the resize needs are decoded at 1/2, 1/4 or 1/8 scale (docs/imaging.md).")
    public var decode: DecodeMode = .exact

    public var modelURL: URL? { model.map { URL(fileURLWithPath: $0) } }

    /// The model file, or the default one.
    public var modelOrDefault: URL { modelURL ?? EmbeddingModel.defaultURL }

    public func validate() throws {
        try checkOption(batch, "--batch", Limits.batch)
        if let threads { try checkOption(threads, "--threads", Limits.threads) }
    }
}

/// `--k`, `--top` and `--threshold` of the commands that rank classes.
public struct RankingArguments: ParsableArguments {
    public init() {}

    @Option(help: "Classes reported per image (1…\(Limits.top.upperBound)).") public var top = 5
    @Option(help: "Neighbours retrieved per image (1…\(Limits.neighbours.upperBound)).") public var k = 50
    @Option(help: "Below this score (on the rule's scale) the first answer is 'unknown'.") public var threshold: Float?

    public func validate() throws {
        try checkOption(top, "--top", Limits.top)
        try checkOption(k, "--k", Limits.neighbours)
        do { try Limits.checkFinite(threshold, "--threshold") } catch { throw ValidationError("\(error)") }
    }
}

/// The index directory: `--index DIR` (the positional form is a deprecated alias, kept for old scripts).
public struct IndexLocation: ParsableArguments {
    public init() {}

    @Option(help: "The index directory.") public var index: String?
    @Argument(help: ArgumentHelp("Deprecated: use --index.", visibility: .hidden)) public var positional: String?

    public var url: URL { URL(fileURLWithPath: index ?? positional ?? "") }

    public func validate() throws {
        switch (index, positional) {
        case (nil, nil): throw ValidationError("missing --index DIR")
        case (.some, .some): throw ValidationError("give the index once, as --index DIR")
        default: break
        }
    }
}

/// `--classes` and `--exclude-classes` of classify, eval and search: answers only from some classes.
public struct ClassFilterArguments: ParsableArguments {
    public init() {}

    @Option(help: "Answer only from these classes: a file (one name a line) or a,b,c.") public var classes: String?
    @Option(help: "Never answer these classes: a file (one name a line) or a,b,c.") public var excludeClasses: String?

    /// The filter; the class names are checked against the index when it is opened.
    public func filter() throws -> ClassFilter {
        ClassFilter(only: try classes.map { try ClassFilter.names($0, option: "--classes") },
                    except: try excludeClasses.map { try ClassFilter.names($0, option: "--exclude-classes") } ?? [])
    }
}
