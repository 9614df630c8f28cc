import Foundation
import Pipeline
import ShardedIndex
import Testing
import TestSupport

/// The real `cbr` binary on closed outputs, hostile embeddings files and out-of-range options: every
/// failure is one line `cbr: <file>: <reason>` with exit code 2 (1 for failed inputs), never a trap.
@Suite struct CLIErrorPathTests {
    /// A small index imported from a float32 `.fbin` of `rows` × 16 random rows (class = row % 4).
    private func smallIndex(_ root: URL, rows: Int = 64) throws -> URL {
        let fbin = root.appendingPathComponent("rows.fbin"), labels = root.appendingPathComponent("labels.txt")
        try TestData.runPython("""
            import sys, numpy as np
            n = int(sys.argv[3]); x = np.random.default_rng(7).standard_normal((n, 16)).astype('<f4')
            with open(sys.argv[1], 'wb') as f: f.write(np.array([n, 16], '<u4').tobytes()); f.write(x.tobytes())
            open(sys.argv[2], 'w').write(''.join(f'c{i % 4}\\n' for i in range(n)))
            """, [fbin.path, labels.path, "\(rows)"])
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "import", fbin.path, "--labels", labels.path, "--index", index.path])
        #expect(run.status == 0, "\(run.stderr)")
        return index
    }

    private func oneLine(_ text: String) -> Bool { text.split(separator: "\n").count == 1 }

    @Test func aFullStandardOutputIsExitTwoWithTheReason() throws {
        let root = try TestData.temporaryDirectory("cli-full")
        let index = try smallIndex(root)
        for arguments in [["index", "info", "--index", index.path],
                          ["predict", TestData.photo("coffee.png").path],
                          ["model", "info", EmbeddingModel.defaultURL.path]] {
            let run = try CLIRun.cbr(arguments, stdoutTo: "/dev/full")
            #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr == "cbr: standard output: No space left on device\n", "\(arguments)")
        }
    }

    @Test func aFullStandardErrorEndsTheRunWithoutATrapOrAPartialFile() throws {
        let root = try TestData.temporaryDirectory("cli-full-stderr")
        let bad = root.appendingPathComponent("bad.jpg")
        try Data("not an image".utf8).write(to: bad)
        let out = root.appendingPathComponent("e.h5")
        let run = try CLIRun.cbr(["embed", TestData.photo("coffee.png").path, bad.path, "--out", out.path],
                                 stderrTo: "/dev/full")
        #expect(run.status == 2)
        #expect(try fm.contentsOfDirectory(atPath: root.path) == ["bad.jpg"])
    }

    @Test func outputFilesAppearOnlyWhenComplete() throws {
        let root = try TestData.temporaryDirectory("cli-atomic")
        let index = try smallIndex(root)
        let queries = root.appendingPathComponent("q.fbin")
        try TestData.runPython("""
            import sys, numpy as np
            x = np.ones((3, 15), '<f4')
            with open(sys.argv[1], 'wb') as f: f.write(np.array([3, 15], '<u4').tobytes()); f.write(x.tobytes())
            """, [queries.path])
        let out = root.appendingPathComponent("out/r.h5")
        try fm.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        let wrong = try CLIRun.cbr(["search", queries.path, "--index", index.path, "--out", out.path])
        #expect(wrong.status == 2 && oneLine(wrong.stderr) && wrong.stderr.contains("dimension mismatch"), "\(wrong.stderr)")
        #expect(try fm.contentsOfDirectory(atPath: out.deletingLastPathComponent().path).isEmpty)

        let embedded = root.appendingPathComponent("out/e.h5")
        let embed = try CLIRun.cbr(["embed", TestData.photo("coffee.png").path, "--out", embedded.path])
        #expect(embed.status == 0, "\(embed.stderr)")
        #expect(try fm.contentsOfDirectory(atPath: out.deletingLastPathComponent().path) == ["e.h5"])
        let rows = try TestData.runPython("import sys, h5py; print(h5py.File(sys.argv[1])['embeddings'].shape)", [embedded.path])
        #expect(rows.hasPrefix("(1, 1280)"))
    }

    @Test func outOfRangeOptionsAreUsageErrorsNamingTheLimit() throws {
        let photo = TestData.photo("coffee.png").path
        let cases: [([String], String)] = [
            (["classify", photo, "--index", "/nonexistent", "--batch", "0"], "--batch must be between 1 and 1024 (got 0)"),
            (["classify", photo, "--index", "/nonexistent", "--threads", "0"], "--threads must be between 1 and 256 (got 0)"),
            (["classify", photo, "--index", "/nonexistent", "--k", "100000"], "--k must be between 1 and 10000"),
            (["classify", photo, "--index", "/nonexistent", "--top", "0"], "--top must be between 1 and 1000"),
            (["classify", photo, "--index", "/nonexistent", "--search-batch", "9999999"], "--search-batch must be between"),
            (["classify", photo, "--index", "/nonexistent", "--threshold", "nan"], "--threshold must be a finite number"),
            (["classify", photo, "--index", "/nonexistent", "--threshold", "inf"], "--threshold must be a finite number"),
            (["predict", photo, "--batch", "5000"], "--batch must be between 1 and 1024"),
            (["eval", "/nonexistent", "--index", "/nonexistent", "--threads", "0"], "--threads must be between 1 and 256"),
            (["eval", "/nonexistent", "--index", "/nonexistent", "--aggregate", "max,median"], "unknown aggregation rule 'median'"),
            (["index", "build", "/nonexistent", "--index", "/nonexistent", "--shard-rows", "0"], "--shard-rows must be between"),
            (["search", "q.h5", "--index", "/nonexistent", "--out", "r.h5", "--k", "0"], "--k must be between 1 and 10000"),
            (["index", "info"], "missing --index DIR"),
            (["classify", photo, "--index", "/nonexistent", "--route", "0"], "'0' is invalid for '--route <C[:P]|auto[:P]>'"),
            (["search", "q.h5", "--index", "/nonexistent", "--out", "r.h5", "--route", "all"], "'all' is invalid for '--route <C[:P]|auto[:P]>'"),
            (["classify", photo, "--index", "/nonexistent", "--explain=-1"], "--explain must be between 0 and 1000"),
        ]
        for (arguments, message) in cases {
            let run = try CLIRun.cbr(arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stderr.hasPrefix("cbr: ") && run.stderr.contains(message) && oneLine(run.stderr),
                    "\(arguments): \(run.stderr)")
        }
    }

    @Test func theIndexIsNamedWithDashDashIndexEverywhere() throws {
        let root = try TestData.temporaryDirectory("cli-index-flag")
        let index = try smallIndex(root)
        let info = try CLIRun.cbr(["index", "info", "--index", index.path, "--verify"])
        #expect(info.status == 0 && info.stdout.contains("rows: 64"), "\(info.stderr)")
        let remove = try CLIRun.cbr(["index", "remove", "--class", "c1", "--index", index.path])
        #expect(remove.status == 0, "\(remove.stderr)")
        let compact = try CLIRun.cbr(["index", "compact", "--index", index.path])
        #expect(compact.status == 0 && compact.stdout.contains("64 → 48 rows"), "\(compact.stdout)\(compact.stderr)")
        let legacy = try CLIRun.cbr(["index", "info", index.path])   // the deprecated positional form
        #expect(legacy.status == 0 && legacy.stdout.contains("rows: 48"))
    }

    @Test func missingOrWrongKindsOfInputFilesGetPlainReasons() throws {
        let root = try TestData.temporaryDirectory("cli-plain")
        let absent = root.appendingPathComponent("absent").path
        let cases: [([String], String)] = [
            (["index", "import", root.path, "--index", root.appendingPathComponent("i").path], "cbr: \(root.path): is a directory\n"),
            (["model", "import", absent, "--out", root.appendingPathComponent("m.h5").path], "cbr: \(absent): no such file\n"),
            (["demo", "--photos", absent], "cbr: \(absent): no such file\n"),
            (["embed", "/dev/null", "--out", root.appendingPathComponent("e.h5").path], "cbr: /dev/null: not a regular file\n"),
        ]
        for (arguments, line) in cases {
            let run = try CLIRun.cbr(arguments)
            #expect(run.status == (arguments[0] == "embed" ? 1 : 2) && run.stderr == line, "\(arguments): \(run.stderr)")
        }
    }

    private var fm: FileManager { .default }
}
