import ArgumentParser

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Throughput benchmarks for cbr (run from a release build).",
        subcommands: [AggregateBench.self, SearchBench.self, LandmarkBench.self, RouteBench.self, IndexBench.self, EmbedBench.self,
                      PreprocessBench.self, IndexImagesBench.self]
    )
}
