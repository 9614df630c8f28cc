#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A child process started with posix_spawn(3), for the tests that run `cbr`, Python or h5dump.
///
/// Foundation's `Process` is not used: on Linux its bookkeeping of descriptors races under concurrency
/// and now and then closes a descriptor it no longer owns — in a test process where other tests have HDF5
/// files open at the same time, that was an unrelated shard failing with "Bad file descriptor". Here the
/// child opens its own standard output and error and closes every other descriptor it inherited (spawn
/// file actions), so the test process never holds a descriptor for it, and the only calls are
/// posix_spawn, kill and waitpid on the child's pid.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var exit: Int32?

    /// Starts `executable` with `arguments`; standard output and error go to the files at `stdout` and
    /// `stderr` (created or truncated by the child), standard input reads /dev/null.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                stdout: String = "/dev/null", stderr: String = "/dev/null") throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else is inherited: an HDF5 file another test has open holds a flock, which a child
        // holding a copy of its descriptor would keep alive after the test closed the file.
        guard let closeFrom = Self.addCloseFrom, closeFrom(&actions, 3) == 0 else {
            throw ChildProcessError(executable: executable, reason: "posix_spawn_file_actions_addclosefrom_np unavailable")
        }

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child = pid_t()
        let status = posix_spawn(&child, executable, &actions, nil, argv, envp)
        guard status == 0 else {
            throw ChildProcessError(executable: executable, reason: String(cString: strerror(status)))
        }
        pid = child
    }

    /// glibc ≥ 2.34's posix_spawn_file_actions_addclosefrom_np, looked up at run time: Swift's Glibc
    /// module does not import it (it is declared only under _GNU_SOURCE/__USE_MISC).
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Whether the child has not exited yet (reaps it when it has).
    public var isRunning: Bool { poll(block: false) == nil }

    /// Sends `signal` (default SIGKILL) unless the child was already reaped.
    public func kill(_ signal: Int32 = SIGKILL) {
        lock.lock()
        defer { lock.unlock() }
        if exit == nil { _ = Glibc.kill(pid, signal) }
    }

    /// Waits for the child; its exit code, or the number of the signal that ended it.
    @discardableResult
    public func wait() -> Int32 { poll(block: true)! }

    private func poll(block: Bool) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let exit { return exit }
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, block ? 0 : WNOHANG)
            if reaped == pid { break }
            if reaped == 0 { return nil }
            if errno != EINTR { exit = -1; return exit }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        let signal = status & 0x7f
        exit = signal == 0 ? (status >> 8) & 0xff : signal
        return exit
    }

    /// Runs `executable` to the end; its exit status and everything it wrote.
    public static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let tmp = FileManager.default.temporaryDirectory
        let out = tmp.appendingPathComponent("cbr-child-\(UUID().uuidString).out")
        let err = tmp.appendingPathComponent("cbr-child-\(UUID().uuidString).err")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let child = try ChildProcess(executable, arguments, environment: environment, stdout: out.path, stderr: err.path)
        let status = child.wait()
        return (status, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let executable: String
    public let reason: String
    public var description: String { "\(executable): cannot start: \(reason)" }
}
