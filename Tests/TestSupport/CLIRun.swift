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
        var environment = ProcessInfo.processInfo.environment
        environment["CBR_HOME"] = TestData.home.path
        let tmp = FileManager.default.temporaryDirectory
        let out = tmp.appendingPathComponent("cbr-out-\(UUID().uuidString)")
        let err = tmp.appendingPathComponent("cbr-err-\(UUID().uuidString)")
        var executable = TestData.cbrBinary.path, argv = arguments
        if let blocks = fileSizeBlocks {
            argv = ["-c", "trap '' XFSZ; ulimit -f \(blocks); exec \"$0\" \"$@\"", executable] + arguments
            executable = "/bin/sh"
        }
        let child = try ChildProcess(executable, argv, environment: environment,
                                     stdout: stdoutTo ?? out.path, stderr: stderrTo ?? err.path)
        return Running(child: child, out: out, err: err)
    }
}
