import ArgumentParser
import Pipeline

/// `cbr-mpi check`: verifies that the ranks can talk (every collective the commands use, with checked
/// contents) and reports each rank's host and the broadcast rate, before a long job depends on them.
public struct CheckCommand<Host: CommandHost>: ParsableCommand {
    public init() {}

    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "check",
        abstract: "Check that the ranks can talk: collectives and messages verified, broadcast rate measured.") }

    @Option(help: "Megabytes broadcast from rank 0 to time the network (1…1024).") public var megabytes = 16

    public func validate() throws { try checkOption(megabytes, "--megabytes", 1...1024) }

    public func run() throws {
        try Host.run { console, cluster in
            if let report = try ClusterCheck.run(cluster, megabytes: megabytes) { try console.print(report.text) }
        }
    }
}
