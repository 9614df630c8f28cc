/// cbr's standard output and error. Results go to standard output (buffered, every write checked); each
/// input that fails is one line `cbr: <file>: <reason>` on standard error, counted for the exit code.
public final class Console: @unchecked Sendable {
    /// Standard output and error; a closed pipe becomes a write error (SIGPIPE is ignored from here on).
    public static let standard: Console = {
        POSIX.ignoreBrokenPipes()
        return Console(output: TextOutput(descriptor: 1, name: "standard output"),
                       errors: TextOutput(descriptor: 2, name: "standard error", capacity: 0))
    }()

    public let output: TextOutput
    public let errors: TextOutput
    /// What every line on standard error starts with: `cbr`, or `cbr-mpi: rank R` on a rank of cbr-mpi.
    /// Set once, before the command runs.
    public var prefix = "cbr"
    /// Inputs reported as failed so far.
    public private(set) var failures = 0

    public init(output: TextOutput, errors: TextOutput) {
        self.output = output
        self.errors = errors
    }

    /// A line of results on standard output.
    public func print(_ line: String) throws { try output.write(line + "\n") }

    /// One failed input: `cbr: <file>: <reason>` on standard error.
    public func failure(_ problem: Dataset.Problem) throws {
        failures += 1
        try output.flush()
        try errors.write("\(prefix): \(problem.path): \(problem.reason)\n")
    }

    public func failure(path: String, reason: String) throws {
        try failure(Dataset.Problem(path: path, reason: reason))
    }

    /// Something worth knowing that is no failure: `cbr: note: …`.
    public func note(_ message: String) throws {
        try output.flush()
        try errors.write("\(prefix): note: \(message)\n")
    }

    /// A fatal error: its one line on standard error (best effort: standard error may be what failed).
    public func fatal(_ error: any Error) {
        try? output.flush()
        try? errors.write("\(prefix): \(error)\n")
    }

    public func fatal(_ message: String) {
        try? output.flush()
        try? errors.write("\(prefix): \(message)\n")
    }

    /// Everything buffered, written.
    public func finish() throws { try output.flush() }
}
