import Foundation

/// Runs the release-built `cbr` as a subprocess with `CBR_HOME` set, output captured through files.
public struct CLIRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public static func cbr(_ arguments: [String]) throws -> CLIRun {
        try start(arguments).finish()
    }

    /// A `cbr` started in the background (to be killed, or waited for with `finish()`).
    public struct Running {
        public let child: ChildProcess
        let out: URL
        let err: URL

        /// Waits for the child, then returns its status and output.
        public func finish() -> CLIRun {
            let status = child.wait()
            defer {
                try? FileManager.default.removeItem(at: out)
                try? FileManager.default.removeItem(at: err)
            }
            return CLIRun(status: status,
                          stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
    }

    /// Runs `cbr` with its standard output (or error) sent to a given file, e.g. `/dev/full`; what goes to
    /// the other stream is captured as usual. With `fileSizeBlocks`, under `ulimit -f` (512-byte blocks) with
    /// SIGXFSZ ignored, so that a write past the limit fails with EFBIG as a full disk fails with ENOSPC.
    public static func cbr(_ arguments: [String], stdoutTo: String? = nil, stderrTo: String? = nil,
                           fileSizeBlocks: Int? = nil) throws -> CLIRun {
        try start(arguments, stdoutTo: stdoutTo, stderrTo: stderrTo, fileSizeBlocks: fileSizeBlocks).finish()
    }

    public static func start(_ arguments: [String], stdoutTo: String? = nil, stderrTo: String? = nil,
                             fileSizeBlocks: Int? = nil) throws -> Running {
        try start(executable: TestData.cbrBinary.path, arguments, stdoutTo: stdoutTo, stderrTo: stderrTo,
                  fileSizeBlocks: fileSizeBlocks)
    }

    /// Runs `cbr-mpi` under `mpirun -np ranks` on loopback (see `mpirunArguments`).
    public static func mpi(ranks: Int, _ arguments: [String], mpirunOptions: [String] = []) throws -> CLIRun {
        try startMPI(ranks: ranks, arguments, mpirunOptions: mpirunOptions).finish()
    }

    public static func startMPI(ranks: Int, _ arguments: [String], mpirunOptions: [String] = []) throws -> Running {
        try start(executable: TestData.mpirun, mpirunArguments(ranks: ranks) + mpirunOptions
                    + [TestData.cbrMPIBinary.path] + arguments)
    }

    /// One machine, any user (root in CI containers), more ranks than cores, shared-memory transport only,
    /// no single-copy mechanism (containers forbid the ptrace it needs), no binding to cores.
    public static func mpirunArguments(ranks: Int) -> [String] {
        ["-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader",
         "--mca", "btl_vader_single_copy_mechanism", "none"]
    }

    /// Runs `executable` with cbr's test environment (CBR_HOME, Open MPI allowed as root), output captured.
    public static func run(executable: String, _ arguments: [String]) throws -> CLIRun {
        try start(executable: executable, arguments).finish()
    }

    static func start(executable: String, _ arguments: [String], stdoutTo: String? = nil, stderrTo: String? = nil,
                      fileSizeBlocks: Int? = nil) throws -> Running {
        var environment = ProcessInfo.processInfo.environment
        environment["CBR_HOME"] = TestData.home.path
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        let tmp = FileManager.default.temporaryDirectory
        let out = tmp.appendingPathComponent("cbr-out-\(UUID().uuidString)")
        let err = tmp.appendingPathComponent("cbr-err-\(UUID().uuidString)")
        var executable = executable, argv = arguments
        if let blocks = fileSizeBlocks {
            argv = ["-c", "trap '' XFSZ; ulimit -f \(blocks); exec \"$0\" \"$@\"", executable] + arguments
            executable = "/bin/sh"
        }
        let child = try ChildProcess(executable, argv, environment: environment,
                                     stdout: stdoutTo ?? out.path, stderr: stderrTo ?? err.path)
        return Running(child: child, out: out, err: err)
    }
}
