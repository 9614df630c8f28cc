import Foundation
import Testing
import TestSupport

/// The MPI layer itself, through `cbr-mpi check` under a real `mpirun`: every collective and the messages
/// the distributed commands use, verified by content on every rank; a failing rank ends the job.
@Suite("cbr-mpi: MPI layer", .serialized, .enabled(if: TestData.mpiBuilt, "built with CBR_NO_MPI=1"))
struct MPIClusterTests {
    @Test("every collective verified on 1, 2 and 3 ranks (3 oversubscribed on 2 cores)", arguments: [1, 2, 3])
    func check(ranks: Int) throws {
        let run = try CLIRun.mpi(ranks: ranks, ["check", "--megabytes", "4"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\(ranks) rank\(ranks == 1 ? "" : "s"): barrier, broadcast, gather"))
        for rank in 0..<ranks { #expect(run.stdout.contains("  rank \(rank): ")) }
        #expect(!run.stdout.contains("  rank \(ranks): "))
        // Each rank reports its own process: as many distinct pids as ranks.
        let pids = Set(run.stdout.split(separator: "\n").compactMap { line in
            line.range(of: "pid ").map { String(line[$0.upperBound...]) }
        })
        #expect(pids.count == ranks)
    }

    @Test("without mpirun cbr-mpi runs as one rank")
    func singleton() throws {
        let child = try ChildProcess.run(TestData.cbrMPIBinary.path, ["check", "--megabytes", "1"])
        #expect(child.status == 0, "\(child.stderr)")
        #expect(child.stdout.contains("1 rank: barrier"))
    }

    @Test("an error on the ranks ends the job: exit code 2 and one line naming each failing rank")
    func failingRank() throws {
        let dir = try TestData.temporaryDirectory("cbr-mpi-fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        // No index there: every rank fails at open, before any collective.
        let run = try CLIRun.mpi(ranks: 2, ["search", "/nonexistent/q.h5", "--index", dir.path, "--out", dir.appendingPathComponent("r.h5").path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("cbr-mpi: rank 0: ") || run.stderr.contains("cbr-mpi: rank 1: "), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("r.h5").path))
    }

    @Test("a usage error exits 2 on every rank, before MPI starts")
    func usage() throws {
        let run = try CLIRun.mpi(ranks: 2, ["search", "--k", "0"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("cbr-mpi: "))
    }
}

/// Ranks on two "machines" (network namespaces over a veth pair) talking TCP, as on a cluster.
@Suite("cbr-mpi: two hosts over TCP", .serialized, .enabled(if: TestData.mpiBuilt, "built with CBR_NO_MPI=1"))
struct MPITwoHostTests {
    @Test("check passes with one rank per host, the second reached through the rsh agent")
    func check() throws {
        try TwoHosts.with { hosts in
            let run = try hosts.mpirun(["check", "--megabytes", "8"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("2 ranks: barrier, broadcast"))
            #expect(hosts.reachedSecondHost)
        }
    }

    @Test("classify over TCP between the two hosts gives cbr's answers")
    func classify() throws {
        try TwoHosts.with { hosts in
            let (index, queries) = try ShardedPhotos.data.get()
            let arguments = ["classify", queries.path, "--index", index.path, "--top", "3", "--k", "10", "--batch", "4"]
            let single = try CLIRun.cbr(arguments)
            let run = try hosts.mpirun(arguments)
            #expect(run.status == 1 && single.status == 1, "\(run.stderr)")  // the broken query is listed by its rank
            #expect(!single.stdout.isEmpty && run.stdout == single.stdout)
            #expect(hosts.reachedSecondHost)
        }
    }
}
