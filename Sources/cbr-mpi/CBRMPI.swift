import ArgumentParser
import CLI

/// `cbr-mpi`: cbr's batch commands across the ranks `mpirun` starts (docs/distributed.md). The commands,
/// flags and outputs are cbr's own (module CLI); only the host differs.
@main
struct CBRMPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cbr-mpi",
        abstract: "cbr's index build/add, search, classify and eval across MPI ranks (run it under mpirun).",
        discussion: """
            Each rank embeds a share of the images and scans a share of the shards; rank 0 writes the \
            manifest and the outputs. Started without mpirun it runs as one rank. Exit codes as cbr's: 0 all \
            good, 1 some inputs failed (listed on stderr), 2 a usage or fatal error on any rank (one line \
            naming the rank); a rank that dies ends the job.
            """,
        version: "0.1.0",
        subcommands: [IndexGroup.self, SearchCommand<MPIHost>.self, ClassifyCommand<MPIHost>.self, CheckCommand<MPIHost>.self,
                      EvalCommand<MPIHost>.self]
    )

    static func main() async { await CommandLineMain.run(CBRMPI.self) }
}

/// `cbr-mpi index build|add`.
struct IndexGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build an index, or add to one, with every rank embedding a share of the images.",
        subcommands: [IndexBuild<MPIHost>.self, IndexAdd<MPIHost>.self]
    )
}
