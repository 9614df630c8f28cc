import ArgumentParser
import CLI
import Foundation
import MPI
import Pipeline

/// Runs a command on every rank of the MPI job. Each rank lists the inputs it failed on (`cbr-mpi: rank R:
/// <file>: <reason>`); the exit code is the ranks' worst. An error on any rank ends the whole job with exit
/// code 2 and one line naming the rank, so no rank waits forever in a collective the failed one left.
enum MPIHost: CommandHost {
    /// The machine's cores shared equally by the ranks mpirun started on it (OMPI_COMM_WORLD_LOCAL_SIZE),
    /// so that ranks × threads never oversubscribes the cores.
    static var defaultThreads: Int {
        let local = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? 1
        return max(1, LocalHost.defaultThreads / max(1, local))
    }

    static func run(_ body: (Console, any Cluster) throws -> Void) throws {
        let console = Console.standard
        console.prefix = "cbr-mpi"
        let cluster: MPICluster
        do { cluster = try MPICluster.start() } catch {
            console.fatal(error)
            throw ExitCode(2)
        }
        if cluster.size > 1 { console.prefix = "cbr-mpi: rank \(cluster.rank)" }
        do {
            try body(console, cluster)
            try console.finish()
        } catch {
            guard cluster.size > 1 else {
                console.fatal(error)
                try? cluster.finish()
                throw ExitCode(2)
            }
            try? console.output.flush()
            cluster.abort("\(error)", code: 2)
        }
        let worst: Int
        do {
            worst = try cluster.maximum(console.failures > 0 ? 1 : 0)
            try cluster.finish()
        } catch {
            cluster.abort("\(error)", code: 2)
        }
        if worst > 0 { throw ExitCode(Int32(worst)) }
    }
}
