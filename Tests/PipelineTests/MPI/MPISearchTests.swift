import Foundation
import ShardedIndex
import Testing
import TestSupport

/// `mpirun -np 1, 2, 3 cbr-mpi search | classify | eval` against single-process `cbr` on the same data:
/// the same output (ids, classes, scores to the 6 decimals printed; search results bit for bit), each bad
/// image reported once, the same exit code, and only rank 0 writing.
@Suite("cbr-mpi: distributed search, classify and eval", .serialized, .enabled(if: TestData.mpiBuilt, "built with CBR_NO_MPI=1"))
struct MPISearchTests {
    @Test("classify: the same CSV, failures reported once, exit 1", arguments: [1, 2, 3])
    func classify(ranks: Int) throws {
        let (index, queries) = try ShardedPhotos.data.get()
        let arguments = ["classify", queries.path, "--index", index.path, "--top", "3", "--k", "10",
                         "--aggregate", "power", "--batch", "3", "--search-batch", "8", "--threads", "1"]
        let single = try CLIRun.cbr(arguments)
        let mpi = try CLIRun.mpi(ranks: ranks, arguments)
        #expect(single.status == 1 && mpi.status == 1, "\(single.stderr)\n\(mpi.stderr)")
        #expect(single.stdout.split(separator: "\n").count == 1 + 3 * 2 * (try AugmentedPhotos.classNames().count))
        #expect(mpi.stdout == single.stdout)
        let failures = mpi.stderr.split(separator: "\n").filter { $0.contains("broken.jpg") }
        #expect(failures.count == 1, "\(mpi.stderr)")
    }

    @Test("classify --out: rank 0 writes the file, nothing else appears", arguments: [3])
    func classifyToFile(ranks: Int) throws {
        let (index, queries) = try ShardedPhotos.data.get()
        let dir = try TestData.temporaryDirectory("cbr-mpi-out")
        defer { try? FileManager.default.removeItem(at: dir) }
        let arguments = ["classify", queries.path, "--index", index.path, "--format", "jsonl", "--batch", "4", "--threads", "1"]
        let single = try CLIRun.cbr(arguments + ["--out", dir.appendingPathComponent("single.jsonl").path])
        let mpi = try CLIRun.mpi(ranks: ranks, arguments + ["--out", dir.appendingPathComponent("mpi.jsonl").path])
        #expect(single.status == 1 && mpi.status == 1, "\(mpi.stderr)")
        let a = try String(contentsOf: dir.appendingPathComponent("single.jsonl"), encoding: .utf8)
        let b = try String(contentsOf: dir.appendingPathComponent("mpi.jsonl"), encoding: .utf8)
        #expect(!a.isEmpty && a == b)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["mpi.jsonl", "single.jsonl"])
    }

    @Test("eval of every rule: the same report", arguments: [2, 3])
    func eval(ranks: Int) throws {
        let (index, queries) = try ShardedPhotos.data.get()
        let arguments = ["eval", queries.path, "--index", index.path, "--aggregate", "all", "--k", "10", "--json",
                         "--batch", "4", "--threads", "1"]
        let single = try CLIRun.cbr(arguments)
        let mpi = try CLIRun.mpi(ranks: ranks, arguments)
        #expect(single.status == 1 && mpi.status == 1, "\(mpi.stderr)")
        func report(_ text: String) throws -> NSDictionary {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return NSDictionary(dictionary: object.filter { $0.key != "seconds" })
        }
        let expected = try report(single.stdout)
        #expect((expected["reports"] as? [Any])?.count == 6)
        #expect(try report(mpi.stdout) == expected)
        #expect(mpi.stderr.split(separator: "\n").filter { $0.contains("broken.jpg") }.count == 1, "\(mpi.stderr)")
    }

    struct SearchCase: CustomTestStringConvertible, Sendable {
        var rows: Int
        var shardRows: Int
        var dtype: ScalarType
        var inMemory: Bool
        var testDescription: String { "\(rows) rows in shards of \(shardRows), \(dtype)\(inMemory ? ", in memory" : "")" }
    }

    @Test("search: bit-equal results on 1, 2 and 3 ranks", arguments: [
        SearchCase(rows: 120_000, shardRows: 16384, dtype: .float32, inMemory: false),
        SearchCase(rows: 120_000, shardRows: 16384, dtype: .float16, inMemory: true),
        // Fewer shards than ranks: rank 2 scans nothing.
        SearchCase(rows: 5000, shardRows: 4000, dtype: .float32, inMemory: false),
    ])
    func search(_ c: SearchCase) throws {
        let data = try RandomIndex(rows: c.rows, shardRows: c.shardRows, dtype: c.dtype)
        let (index, queries, out) = (data.index, data.queries, data.folder)
        let extra = (c.inMemory ? ["--in-memory"] : []) + ["--k", "25", "--block-rows", "7000"]
        let single = try CLIRun.cbr(["search", queries.path, "--index", index.path, "--out", out.appendingPathComponent("single.h5").path] + extra)
        #expect(single.status == 0, "\(single.stderr)")
        let expected = try RandomIndex.output(out.appendingPathComponent("single.h5").path)
        #expect(expected.rows.count == 200 * 25 && expected.rows.allSatisfy { $0 >= 0 && $0 < c.rows })
        for ranks in [1, 2, 3] {
            let path = out.appendingPathComponent("np\(ranks).h5").path
            // One search thread per rank (the benchmark's layout), with the timings note on rank 0.
            let run = try CLIRun.mpi(ranks: ranks, ["search", queries.path, "--index", index.path, "--out", path,
                                                    "--threads", "1", "--timings"] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("cbr-mpi\(ranks > 1 ? ": rank 0" : ""): note: search timings: scan "), "\(run.stderr)")
            #expect(run.stderr.contains("(200 queries, k = 25, \(ranks) rank"), "\(run.stderr)")
            #expect(run.stdout == single.stdout.replacingOccurrences(of: "single.h5", with: "np\(ranks).h5"), "\(ranks) ranks")
            let got = try RandomIndex.output(path)
            #expect(got.rows == expected.rows && got.labels == expected.labels && got.scores == expected.scores, "\(ranks) ranks")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".h5") || $0.contains(".tmp-") }
        #expect(files.sorted() == ["np1.h5", "np2.h5", "np3.h5", "single.h5"])
    }
}

extension MPISearchTests {
    @Test("a corrupt shard on rank 1 ends the job: exit 2, one line naming the rank and the shard, no output")
    func corruptShardOnOneRank() throws {
        // Five shards of 1000 rows: rank 0 scans 0, 2 and 4, rank 1 scans 1 and 3.
        let data = try RandomIndex(rows: 5000, shardRows: 1000)
        #expect(ShardAssignment(try Manifest.load(from: data.index), ranks: 2).shards == [[0, 2, 4], [1, 3]])
        let shard = data.index.appendingPathComponent("shards/000001.h5")
        var bytes = try Data(contentsOf: shard)
        // Rows of d = 32 float32 are 128 KB of the file: its middle is embeddings; flip some of them.
        for i in (bytes.count / 2)..<(bytes.count / 2 + 64) { bytes[i] ^= 0x5A }
        try bytes.write(to: shard)
        let out = data.folder.appendingPathComponent("r.h5")
        let run = try CLIRun.mpi(ranks: 2, ["search", data.queries.path, "--index", data.index.path, "--out", out.path])
        #expect(run.status == 2, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").filter { $0.contains("000001.h5") }
        #expect(lines.count == 1 && lines[0].contains("rank 1"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.folder.path).allSatisfy { !$0.contains(".tmp-") })
    }
}

extension MPISearchTests {
    @Test("routed search (--route C) on 2 and 3 ranks equals cbr's, plain and compacted by class; --route auto needs one rank")
    func routed() throws {
        let data = try RandomIndex(rows: 12_000, shardRows: 2500)
        let (index, queries, out) = (data.index, data.queries, data.folder)
        for compacted in [false, true] {
            if compacted {
                let compact = try CLIRun.cbr(["index", "compact", "--by-class", "--index", index.path])
                #expect(compact.status == 0, "\(compact.stderr)")
            }
          for route in ["5", "5:2"] {  // plain, and grouped prototypes (every rank clusters them alike)
            let arguments = ["search", queries.path, "--index", index.path, "--k", "20", "--route", route]
            let single = try CLIRun.cbr(arguments + ["--out", out.appendingPathComponent("routed.h5").path])
            #expect(single.status == 0, "\(single.stderr)")
            let expected = try RandomIndex.output(out.appendingPathComponent("routed.h5").path)
            for ranks in [2, 3] {
                let path = out.appendingPathComponent("routed-np\(ranks).h5").path
                let run = try CLIRun.mpi(ranks: ranks, arguments + ["--out", path, "--threads", "1"])
                #expect(run.status == 0, "\(run.stderr)")
                let got = try RandomIndex.output(path)
                #expect(got.rows == expected.rows && got.labels == expected.labels && got.scores == expected.scores,
                        "\(ranks) ranks, --route \(route), compacted by class: \(compacted)")
            }
          }
        }
        let auto = try CLIRun.mpi(ranks: 2, ["search", queries.path, "--index", index.path, "--route", "auto",
                                             "--out", out.appendingPathComponent("auto.h5").path])
        #expect(auto.status == 2 && auto.stderr.contains("--route auto runs on one rank"), "\(auto.stderr)")
    }
}
