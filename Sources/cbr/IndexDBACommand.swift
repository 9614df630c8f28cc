import ArgumentParser
import CLI
import Pipeline
import ShardedIndex

/// `cbr index dba`: database-side augmentation of the index's rows (docs/accuracy.md).
struct IndexDBA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dba",
        abstract: "Replace every row by the similarity^α-weighted mean of its N best neighbours (itself first), crash-safe; the rows before are not kept.")

    @OptionGroup var location: IndexLocation
    @Option(help: "Neighbours averaged per row, itself included (\(QueryExpansion.neighbourLimit.lowerBound)…\(QueryExpansion.neighbourLimit.upperBound)).")
    var neighbours: Int
    @Option(help: "Weight power α (0…20).") var alpha: Float = 3
    @Option(help: "Search threads (default: every core).") var threads: Int?

    func validate() throws {
        guard QueryExpansion(neighbours: neighbours, alpha: alpha) != nil else {
            throw ValidationError("--neighbours must be within \(QueryExpansion.neighbourLimit) and --alpha within 0…20")
        }
        if let threads { try checkOption(threads, "--threads", Limits.threads) }
    }

    func run() throws {
        try runCommand { console in
            try Commands.augmentIndex(location.url, neighbours: neighbours, alpha: alpha,
                                      threads: threads ?? ExactSearch.defaultThreads, console: console)
        }
    }
}
