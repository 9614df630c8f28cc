#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport

/// A `cbr serve` started on 127.0.0.1 with any free port (`--port 0`); the port is read from the line it
/// prints when it listens.
final class ServeProcess: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    let stdout: URL
    let stderr: URL

    init(index: URL, _ extra: [String] = []) throws {
        let tmp = FileManager.default.temporaryDirectory
        stdout = tmp.appendingPathComponent("cbr-serve-out-\(UUID().uuidString)")
        stderr = tmp.appendingPathComponent("cbr-serve-err-\(UUID().uuidString)")
        var environment = ProcessInfo.processInfo.environment
        environment["CBR_HOME"] = TestData.home.path
        child = try ChildProcess(TestData.cbrBinary.path, ["serve", "--index", index.path, "--port", "0"] + extra,
                                 environment: environment, stdout: stdout.path, stderr: stderr.path)
        let deadline = Date(timeIntervalSinceNow: 120)
        var found: Int?
        while found == nil && Date() < deadline && child.isRunning {
            let text = (try? String(contentsOf: stdout, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            } else {
                usleep(50_000)
            }
        }
        guard let found else {
            child.kill()
            _ = child.wait()
            throw SetupError(description: "cbr serve did not start: " + ((try? String(contentsOf: stderr, encoding: .utf8)) ?? ""))
        }
        port = found
    }

    var errors: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }
    var output: String { (try? String(contentsOf: stdout, encoding: .utf8)) ?? "" }

    /// SIGTERM, then the exit status.
    func terminate() -> Int32 {
        child.kill(SIGTERM)
        return child.wait()
    }

    deinit {
        if child.isRunning {
            child.kill()
            _ = child.wait()
        }
        try? FileManager.default.removeItem(at: stdout)
        try? FileManager.default.removeItem(at: stderr)
    }
}

/// A test's set-up (an index build, an embedding) that failed, with the command's stderr.
struct SetupError: Error, CustomStringConvertible {
    var description: String
}
