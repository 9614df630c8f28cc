import Foundation
import Pipeline
import ShardedIndex
import Testing
import TestSupport

/// `.fbin` and HDF5 embeddings files whose headers, shapes or values lie: a one-line error naming the
/// file (exit 2), or for a non-finite row, that row listed and the others imported (exit 1).
@Suite struct HostileEmbeddingsTests {
    private func fbin(_ url: URL, header: (UInt32, UInt32), payloadFloats: Int) throws {
        var data = Data()
        withUnsafeBytes(of: header.0.littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: header.1.littleEndian) { data.append(contentsOf: $0) }
        for i in 0..<payloadFloats { withUnsafeBytes(of: Float(i % 7 + 1).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url)
    }

    private func importRun(_ input: URL, _ root: URL, _ extra: [String] = []) throws -> CLIRun {
        try CLIRun.cbr(["index", "import", input.path, "--index", root.appendingPathComponent("index-\(UUID().uuidString)").path] + extra)
    }

    @Test func fbinHeadersThatDisagreeWithTheFileAreRejected() throws {
        let root = try TestData.temporaryDirectory("hostile-fbin")
        let cases: [(String, (UInt32, UInt32), Int, String)] = [
            ("huge.fbin", (0xFFFF_FFFF, 0xFFFF_FFFF), 4, "d must be between 1 and 65536"),
            ("zero-d.fbin", (5, 0), 0, "d must be between 1 and 65536"),
            ("liar.fbin", (1_000_000, 8), 16, "header says 1000000 × 8 but the file has 72 bytes"),
            ("short.fbin", (0, 0), -1, "too short for an .fbin header"),
        ]
        for (name, header, floats, message) in cases {
            let url = root.appendingPathComponent(name)
            if floats < 0 { try Data([1, 0, 0]).write(to: url) } else { try fbin(url, header: header, payloadFloats: floats) }
            let run = try importRun(url, root)
            #expect(run.status == 2, "\(name)")
            #expect(run.stderr == "cbr: \(url.path): \(message)\n" || (run.stderr.hasPrefix("cbr: \(url.path): ") && run.stderr.contains(message)),
                    "\(name): \(run.stderr)")
        }
    }

    @Test func nonFiniteRowsAreListedWithTheirRowNumberAndLeftOut() throws {
        let root = try TestData.temporaryDirectory("hostile-nan")
        let input = root.appendingPathComponent("nan.fbin")
        try TestData.runPython("""
            import sys, numpy as np
            x = np.random.default_rng(3).standard_normal((10, 8)).astype('<f4')
            x[3, 5] = np.nan; x[7, 0] = np.inf
            with open(sys.argv[1], 'wb') as f: f.write(np.array([10, 8], '<u4').tobytes()); f.write(x.tobytes())
            """, [input.path])
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "import", input.path, "--index", index.path, "--read-rows", "4"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("cbr: \(input.path): row 3: holds a NaN or an infinity"))
        #expect(run.stderr.contains("cbr: \(input.path): row 7: holds a NaN or an infinity"))
        let reader = try ShardedIndexReader(directory: index)
        #expect(try reader.allIDs().sorted() == ["0", "1", "2", "4", "5", "6", "8", "9"])

        let search = try CLIRun.cbr(["search", input.path, "--index", index.path, "--out", root.appendingPathComponent("r.h5").path])
        #expect(search.status == 2 && search.stderr == "cbr: \(input.path): query 3 holds a NaN or an infinity\n", "\(search.stderr)")
    }

    @Test func hdf5ShapesAreChecked() throws {
        let root = try TestData.temporaryDirectory("hostile-h5")
        let flat = root.appendingPathComponent("flat.h5"), labels = root.appendingPathComponent("labels.h5")
        let strings = root.appendingPathComponent("strings.h5"), sparse = root.appendingPathComponent("sparse.h5")
        // sparse.h5 declares 2³³ rows that were never written: a few KB on disk.
        try TestData.runPython("""
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], 'w') as f: f['embeddings'] = np.ones(12, 'f4')
            with h5py.File(sys.argv[2], 'w') as f:
                f['embeddings'] = np.ones((4, 3), 'f4'); f['labels'] = np.array([b'a', b'b'])
            with h5py.File(sys.argv[3], 'w') as f: f['embeddings'] = np.array([[b'x']])
            with h5py.File(sys.argv[4], 'w') as f:
                f.create_dataset('embeddings', shape=(2**33, 4), dtype='f4', chunks=(1024, 4))
                f.create_dataset('queries', shape=(2**28, 8), dtype='f4', chunks=(1024, 8))
            """, [flat.path, labels.path, strings.path, sparse.path])
        let expectations = [(flat, "'embeddings' has shape [12], expected [n, d]"),
                            (labels, "'labels' has shape [2]; expected [4], one per row"),
                            (strings, "'embeddings' holds strings, not embeddings"),
                            (sparse, "'embeddings' has 8589934592 rows; at most 4294967295 are read")]
        for (file, message) in expectations {
            let run = try importRun(file, root)
            #expect(run.status == 2 && run.stderr == "cbr: \(file.path): \(message)\n", "\(run.stderr)")
        }
        let index = root.appendingPathComponent("index"), rows = root.appendingPathComponent("rows.h5")
        try TestData.runPython("import sys, h5py, numpy as np; h5py.File(sys.argv[1], 'w')['embeddings'] = np.eye(8, dtype='f4')",
                               [rows.path])
        #expect(try CLIRun.cbr(["index", "import", rows.path, "--index", index.path]).status == 0)
        let search = try CLIRun.cbr(["search", sparse.path, "--dataset", "queries", "--index", index.path,
                                     "--out", root.appendingPathComponent("r.h5").path])
        #expect(search.status == 2 && search.stderr == "cbr: \(sparse.path): 268435456 × 8 queries exceed the 1073741824 "
                    + "values searched at once (split the file)\n", "\(search.stderr)")
    }
}
