import ArgumentParser
import Foundation
import Pipeline

/// How a command body runs in an executable: with which console and cluster, and how the outcome becomes
/// an exit code. The commands cbr and cbr-mpi share are generic over it, so the two executables differ
/// only in their host: `LocalHost` (one process) or cbr-mpi's MPI host.
public protocol CommandHost {
    /// Runs `body`; exit code 0 when all went well, 1 when some inputs failed (each listed by the body as
    /// one line on stderr), 2 when the command could not go on (a thrown error, printed as one line).
    /// The outcome is thrown as an `ExitCode` (nothing is thrown on success).
    static func run(_ body: (Console, any Cluster) throws -> Void) throws
    /// Threads a process uses when `--threads` is not given.
    static var defaultThreads: Int { get }
}

/// One process: cbr's own host.
public enum LocalHost: CommandHost {
    /// Every core.
    public static var defaultThreads: Int { min(ProcessInfo.processInfo.activeProcessorCount, Limits.threads.upperBound) }

    public static func run(_ body: (Console, any Cluster) throws -> Void) throws {
        try runCommand { try body($0, SingleProcess()) }
    }
}

/// cbr's one error path: runs a command body; each failed input was printed by the body as one line
/// `cbr: <file>: <reason>`; a thrown error is printed as one line `cbr: <file>: <reason>`. Exit code 0 when
/// all went well, 1 when some inputs failed, 2 when the command could not go on.
public func runCommand(_ body: (Console) throws -> Void) throws {
    let console = Console.standard
    do {
        try body(console)
        try console.finish()
    } catch {
        console.fatal(error)
        throw ExitCode(2)
    }
    if console.failures > 0 { throw ExitCode(1) }
}
