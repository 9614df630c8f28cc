import LinearAlgebra
import Foundation

/// What a result was measured on: printed with every table and stored with every JSON result.
struct Machine: Codable, Sendable {
    var cpu: String
    var cores: Int
    var memoryGiB: Double
    var date: String
    var commit: String
    /// OpenBLAS's build and the kernels it chose for this CPU (`OPENBLAS_CORETYPE` overrides the choice).
    var blas: String?

    static func current() -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n")
            .first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let formatter = ISO8601DateFormatter()
        return Machine(cpu: model,
                       cores: ProcessInfo.processInfo.activeProcessorCount,
                       memoryGiB: Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824,
                       date: formatter.string(from: Date()),
                       commit: gitCommit(),
                       blas: blasDescription())
    }

    var summary: String {
        "\(cpu), \(cores) cores, \(String(format: "%.0f", memoryGiB)) GiB; \(date); cbr \(commit)"
            + (blas.map { "; \($0)" } ?? "")
    }

    /// OpenBLAS's configuration string, which names the kernels chosen (e.g. "… DYNAMIC_ARCH … Cooperlake …").
    private static func blasDescription() -> String? {
        BLAS.configuration
    }

    /// The checkout's commit (with `+dirty` when the tree has changes), or `CBR_COMMIT` when set.
    private static func gitCommit() -> String {
        if let env = ProcessInfo.processInfo.environment["CBR_COMMIT"], !env.isEmpty { return env }
        func git(_ arguments: [String]) -> String? {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git"] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return nil }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { return nil }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let head = git(["rev-parse", "--short=12", "HEAD"]) else { return "unknown" }
        let dirty = git(["status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty } ?? false
        return dirty ? head + "+dirty" : head
    }
}

/// Peak resident set size of this process so far (VmHWM), in bytes.
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
    else { return 0 }
    return kb * 1024
}
