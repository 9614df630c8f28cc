import Foundation
import TestSupport

/// Runs the release-built `cbr` as a subprocess with `CBR_HOME` set, output captured through files.
public struct CLIRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public static func cbr(_ arguments: [String], in directory: URL? = nil) throws -> CLIRun {
        let process = try start(arguments, in: directory)
        process.process.waitUntilExit()
        return process.finish()
    }

    public struct Running {
        public let process: Process
        let out: URL
        let err: URL

        public func finish() -> CLIRun {
            defer {
                try? FileManager.default.removeItem(at: out)
                try? FileManager.default.removeItem(at: err)
            }
            return CLIRun(status: process.terminationStatus,
                          stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
    }

    public static func start(_ arguments: [String], in directory: URL? = nil) throws -> Running {
        let process = Process()
        process.executableURL = TestData.cbrBinary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["CBR_HOME"] = TestData.home.path
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let tmp = FileManager.default.temporaryDirectory
        let out = tmp.appendingPathComponent("cbr-out-\(UUID().uuidString)")
        let err = tmp.appendingPathComponent("cbr-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return Running(process: process, out: out, err: err)
    }
}
