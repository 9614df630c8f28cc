import Foundation
import HDF5
import ShardedIndex
import TestSupport

/// An index of seeded random rows (d = 32, 40 classes) imported by the real `cbr index import` in shards of
/// `shardRows` rows as `dtype`, with a `.fbin` of `queries` query rows beside it — the data of the
/// distributed search tests (random rows: no near-duplicate clusters to hide a wrong merge).
struct RandomIndex {
    struct ImportFailed: Error { var stderr: String }

    let index: URL
    let queries: URL
    /// The folder holding both, where outputs can go.
    var folder: URL { index.deletingLastPathComponent() }

    init(rows: Int, shardRows: Int, dtype: ScalarType = .float32, queries count: Int = 200) throws {
        let root = try TestData.temporaryDirectory("random-index")
        let fbin = root.appendingPathComponent("rows.fbin"), labels = root.appendingPathComponent("labels.txt")
        queries = root.appendingPathComponent("q.fbin")
        try TestData.runPython("""
            import sys, numpy as np
            n, q = int(sys.argv[4]), int(sys.argv[5]); rng = np.random.default_rng(5)
            def fbin(path, x):
                with open(path, 'wb') as f: f.write(np.array(x.shape, '<u4').tobytes()); f.write(x.astype('<f4').tobytes())
            fbin(sys.argv[1], rng.standard_normal((n, 32)))
            open(sys.argv[2], 'w').write(''.join(f'c{i}\\n' for i in rng.integers(0, 40, n)))
            fbin(sys.argv[3], rng.standard_normal((q, 32)))
            """, [fbin.path, labels.path, queries.path, "\(rows)", "\(count)"])
        index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "import", fbin.path, "--labels", labels.path, "--index", index.path,
                                  "--shard-rows", "\(shardRows)", "--dtype", dtype.rawValue])
        guard run.status == 0 else { throw ImportFailed(stderr: run.stderr) }
    }

    /// The datasets of a `search --out` file; scores as bit patterns, for exact comparison.
    static func output(_ path: String) throws -> (rows: [Int64], scores: [UInt32], labels: [Int32]) {
        let file = try H5File.open(at: path)
        return (try file.dataset("indices").read(as: Int64.self), try file.dataset("scores").read(as: Float.self).map(\.bitPattern),
                try file.dataset("labels").read(as: Int32.self))
    }
}
