import Foundation
import ArgumentParser
import Pipeline

/// `cbr eval --episodes N --ways W --shots 1,5 [--queries Q] [--seed S]`: few-shot episodes instead of a
/// query set (docs/learning.md).
public struct EpisodeArguments: ParsableArguments {
    public init() {}

    @Option(help: "Run this many N-way K-shot episodes per shot count (over the dataset given, else the index's own rows).")
    public var episodes: Int?
    @Option(help: "Classes per episode.") public var ways = 5
    @Option(help: "Support rows per class, comma-separated shot counts.") public var shots = "1,5"
    @Option(help: "Query rows per class and episode.") public var queries = 15
    @Option(help: "Seed of the episodes' draws.") public var seed: UInt64 = 1
    @Option(help: "The episode head's ridge penalty, relative to the support rows' mean squared norm.") public var episodeL2 = 0.1

    var shotCounts: [Int] { shots.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    public func validate() throws {
        guard let episodes else { return }
        try checkOption(episodes, "--episodes", 1...1_000_000)
        try checkOption(ways, "--ways", 2...1_000)
        try checkOption(queries, "--queries", 1...1_000)
        let counts = shotCounts
        guard !counts.isEmpty, counts.count == shots.split(separator: ",").count else {
            throw ValidationError("--shots must list shot counts, e.g. 1,5 (got \(shots))")
        }
        for k in counts { try checkOption(k, "--shots", 1...1_000) }
        guard episodeL2.isFinite, episodeL2 > 0 else { throw ValidationError("--episode-l2 must be a positive number") }
    }

    public var options: Episodes.Options? {
        episodes.map { Episodes.Options(episodes: $0, ways: ways, shots: shotCounts, queries: queries, seed: seed, l2: episodeL2) }
    }
}
