import Foundation
import Testing
import TestSupport

/// An output is written under a temporary name and renamed when complete; a run ended by SIGTERM (mpirun
/// ending the ranks of a failed job, a batch system's time limit) or ^C removes the temporary file too.
@Suite("Outputs: no temporary file left by a terminating signal", .serialized)
struct SignalCleanupTests {
    /// The temporary files of `name` in `folder` (`.NAME.tmp-PID-N`).
    static func temporaries(of name: String, in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix(".\(name).tmp-") }
    }

    /// Waits (up to a minute) until a temporary file of `name` exists while `running` runs.
    static func waitForTemporary(_ name: String, in folder: URL, while running: CLIRun.Running) -> String? {
        for _ in 0..<600 {
            if let found = temporaries(of: name, in: folder).first { return found }
            if !running.child.isRunning { return nil }
            usleep(100_000)
        }
        return nil
    }

    /// Slow enough to be caught mid-run: one image per network batch and per search.
    static func classify(_ index: URL, _ queries: URL, out: URL) -> [String] {
        ["classify", queries.path, "--index", index.path, "--batch", "1", "--search-batch", "1", "--threads", "1",
         "--out", out.path]
    }

    @Test("cbr classify --out ended by SIGTERM or SIGINT: neither the output nor its temporary file remains",
          arguments: [SIGTERM, SIGINT])
    func plainProcess(signal: Int32) throws {
        let (index, queries) = try ShardedPhotos.data.get()
        let folder = try TestData.temporaryDirectory("cbr-signal")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("p.csv")
        let running = try CLIRun.start(Self.classify(index, queries, out: out))
        let temporary = try #require(Self.waitForTemporary("p.csv", in: folder, while: running), "no temporary output appeared")
        running.child.kill(signal)
        let run = running.finish()
        #expect(run.status == signal, "ended by the signal: \(run.stderr)")
        #expect(Self.temporaries(of: "p.csv", in: folder).isEmpty, "\(temporary) left behind")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test("cbr-mpi classify --out: another rank killed mid-run ends the job and rank 0 leaves no temporary file",
          .enabled(if: TestData.mpiBuilt, "built with CBR_NO_MPI=1"))
    func rankKilled() throws {
        let (index, queries) = try ShardedPhotos.data.get()
        let folder = try TestData.temporaryDirectory("cbr-signal-mpi")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("p.csv")
        let running = try CLIRun.startMPI(ranks: 2, Self.classify(index, queries, out: out))
        let temporary = try #require(Self.waitForTemporary("p.csv", in: folder, while: running), "no temporary output appeared")
        // `.p.csv.tmp-PID-N`: PID is rank 0's; kill the other rank.
        let writer = temporary.split(separator: "-").dropLast().last.flatMap { pid_t(String($0)) }
        let other = try #require(MPIBuildTests.ranks(of: running.child.pid).first { $0 != writer })
        kill(other, SIGKILL)
        let run = running.finish()
        #expect(run.status != 0)
        #expect(Self.temporaries(of: "p.csv", in: folder).isEmpty, "\(temporary) left behind: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
