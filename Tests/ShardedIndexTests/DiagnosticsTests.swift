import Foundation
import Testing
import ShardedIndex
import TestSupport

/// Issue 17, item 3: HDF5's own error-stack dump (HDF5-DIAG lines) never reaches the terminal, whichever
/// thread meets the damage: a streamed `cbr search` reads shards on a background thread.
@Suite("HDF5 diagnostics stay silent")
struct DiagnosticsTests {
    @Test("a streamed search over a shard with damaged B-trees: one stderr line naming it, no HDF5-DIAG",
          arguments: [[String](), ["--in-memory"]])
    func damagedShardOneLine(mode: [String]) throws {
        let data = SeededRows(count: 60, dimension: 16, classes: 3, seed: 23)
        let index = try StoreTests.build(data, dtype: .float32, rowsPerShard: 20)
        let dir = index.deletingLastPathComponent()
        let queries = dir.appendingPathComponent("Q.h5")
        try TestData.runPython("""
            import h5py, numpy as np, sys
            q = np.random.default_rng(1).standard_normal((5, 16)).astype("float32")
            with h5py.File(sys.argv[1], "w") as f: f["queries"] = q / np.linalg.norm(q, axis=1, keepdims=True)
            """, [queries.path])
        // Every chunk-index signature of shard 1 destroyed (extensible arrays in the 1.10 format, B-trees in
        // older files): HDF5 fails deep inside, with a long error stack, when the rows are read.
        let shard = index.appendingPathComponent("shards/000001.h5")
        var bytes = [UInt8](try Data(contentsOf: shard))
        let signatures = ["TREE", "EAHD", "FAHD", "BTHD"].map { Array($0.utf8) }
        var damaged = 0
        for i in 0..<(bytes.count - 4) where signatures.contains(Array(bytes[i..<(i + 4)])) {
            bytes.replaceSubrange(i..<(i + 4), with: Array("XXXX".utf8))
            damaged += 1
        }
        #expect(damaged >= 2)
        try Data(bytes).write(to: shard)
        let run = try CLIRun.cbr(["search", queries.path, "--index", index.path, "--k", "3",
                                  "--out", dir.appendingPathComponent("R.h5").path] + mode)
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(run.status == 2)
        #expect(!run.stderr.contains("HDF5-DIAG"), "\(run.stderr)")
        #expect(lines.count == 1 && lines.first?.contains(shard.path) == true, "\(run.stderr)")
    }
}
