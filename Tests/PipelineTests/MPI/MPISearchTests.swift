import Foundation
import HDF5
import ShardedIndex
import Testing
import TestSupport

/// `mpirun -np 1, 2, 3 cbr-mpi search | classify | eval` against single-process `cbr` on the same data:
/// the same output (ids, classes, scores to the 6 decimals printed; search results bit for bit), each bad
/// image reported once, the same exit code, and only rank 0 writing.
@Suite("cbr-mpi: distributed search, classify and eval", .serialized)
struct MPISearchTests {
    /// Augmented real photos, their training views indexed in shards of 7 rows, a query folder holding one
    /// file that is no image.
    private enum Photos {
        static let data: Result<(index: URL, queries: URL), any Error> = Result {
            let root = try AugmentedPhotos.make()
            let index = root.appendingPathComponent("index")
            let run = try CLIRun.cbr(["index", "build", root.appendingPathComponent("train").path, "--index", index.path,
                                      "--shard-rows", "7"])
            guard run.status == 0 else { throw Failed(stderr: run.stderr) }
            let queries = root.appendingPathComponent("query")
            try Data("not a jpeg".utf8).write(to: queries.appendingPathComponent("coffee/broken.jpg"))
            return (index, queries)
        }
    }

    struct Failed: Error { var stderr: String }

    @Test("classify: the same CSV, failures reported once, exit 1", arguments: [1, 2, 3])
    func classify(ranks: Int) throws {
        let (index, queries) = try Photos.data.get()
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
        let (index, queries) = try Photos.data.get()
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
        let (index, queries) = try Photos.data.get()
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

    /// `rows` random rows (d = 32, 40 classes) imported in shards of `shardRows` as `dtype`, and 200 queries.
    static func randomIndex(rows: Int, shardRows: Int, dtype: ScalarType) throws -> (index: URL, queries: URL) {
        let root = try TestData.temporaryDirectory("cbr-mpi-search")
        let fbin = root.appendingPathComponent("rows.fbin"), labels = root.appendingPathComponent("labels.txt")
        let queries = root.appendingPathComponent("q.fbin")
        try TestData.runPython("""
            import sys, numpy as np
            n = int(sys.argv[4]); rng = np.random.default_rng(5)
            def fbin(path, x):
                with open(path, 'wb') as f: f.write(np.array(x.shape, '<u4').tobytes()); f.write(x.astype('<f4').tobytes())
            fbin(sys.argv[1], rng.standard_normal((n, 32)))
            open(sys.argv[2], 'w').write(''.join(f'c{i}\\n' for i in rng.integers(0, 40, n)))
            fbin(sys.argv[3], rng.standard_normal((200, 32)))
            """, [fbin.path, labels.path, queries.path, "\(rows)"])
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "import", fbin.path, "--labels", labels.path, "--index", index.path,
                                  "--shard-rows", "\(shardRows)", "--dtype", dtype.rawValue])
        guard run.status == 0 else { throw Failed(stderr: run.stderr) }
        return (index, queries)
    }

    static func output(_ path: String) throws -> (rows: [Int64], scores: [UInt32], labels: [Int32]) {
        let file = try H5File.open(at: path)
        return (try file.dataset("indices").read(as: Int64.self), try file.dataset("scores").read(as: Float.self).map(\.bitPattern),
                try file.dataset("labels").read(as: Int32.self))
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
        let (index, queries) = try Self.randomIndex(rows: c.rows, shardRows: c.shardRows, dtype: c.dtype)
        let out = index.deletingLastPathComponent()
        let extra = (c.inMemory ? ["--in-memory"] : []) + ["--k", "25", "--block-rows", "7000"]
        let single = try CLIRun.cbr(["search", queries.path, "--index", index.path, "--out", out.appendingPathComponent("single.h5").path] + extra)
        #expect(single.status == 0, "\(single.stderr)")
        let expected = try Self.output(out.appendingPathComponent("single.h5").path)
        #expect(expected.rows.count == 200 * 25 && expected.rows.allSatisfy { $0 >= 0 && $0 < c.rows })
        for ranks in [1, 2, 3] {
            let path = out.appendingPathComponent("np\(ranks).h5").path
            let run = try CLIRun.mpi(ranks: ranks, ["search", queries.path, "--index", index.path, "--out", path] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout == single.stdout.replacingOccurrences(of: "single.h5", with: "np\(ranks).h5"), "\(ranks) ranks")
            let got = try Self.output(path)
            #expect(got.rows == expected.rows && got.labels == expected.labels && got.scores == expected.scores, "\(ranks) ranks")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".h5") || $0.contains(".tmp-") }
        #expect(files.sorted() == ["np1.h5", "np2.h5", "np3.h5", "single.h5"])
    }
}
