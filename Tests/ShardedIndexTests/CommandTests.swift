import Foundation
import Testing
import ShardedIndex
import TestSupport

/// `cbr index import|remove|compact|info` and `cbr search`, run as the release binary, checked with numpy.
@Suite("cbr index and cbr search commands")
struct CommandTests {
    /// numpy's exact top-k (the brute-force reference), skipping rows of `removed` labels.
    static let reference = """
        import h5py, numpy as np, sys, json
        with h5py.File(sys.argv[1]) as f:
            e = f["embeddings"][:].astype("float64"); labels = f["labels"][:]
        with h5py.File(sys.argv[2]) as f:
            q = f["queries"][:].astype("float64")
        with h5py.File(sys.argv[3]) as f:
            got_i = f["indices"][:]; got_s = f["scores"][:]
        removed = set(json.loads(sys.argv[4]))
        e /= np.linalg.norm(e, axis=1, keepdims=True); q /= np.linalg.norm(q, axis=1, keepdims=True)
        keep = np.array([l not in removed for l in labels])
        rows = np.nonzero(keep)[0]
        s = q @ e[rows].T
        k = got_i.shape[1]
        order = np.argsort(-s, axis=1, kind="stable")[:, :k]
        want_i = rows[order]; want_s = np.take_along_axis(s, order, axis=1)
        ok_scores = np.abs(got_s - want_s).max() < 1e-5
        ties = np.abs(np.diff(np.sort(s, axis=1)[:, ::-1][:, :k+1], axis=1)).min() < 1e-6
        print(json.dumps({"scores": bool(ok_scores), "ids": bool((got_i == want_i).all()) or bool(ties)}))
        """

    @Test("import, search, remove, compact: results equal numpy's brute force")
    func importAndSearch() throws {
        let dir = try TestData.temporaryDirectory("cbr-cli")
        let input = dir.appendingPathComponent("E.h5"), queries = dir.appendingPathComponent("Q.h5")
        try TestData.runPython("""
            import h5py, numpy as np, sys
            rng = np.random.default_rng(3)
            with h5py.File(sys.argv[1], "w") as f:
                f["embeddings"] = rng.standard_normal((3000, 48)).astype("float32")
                f["labels"] = rng.integers(0, 20, 3000).astype("int32")
                f["paths"] = np.array(["a/%d.jpg" % i for i in range(3000)], dtype=h5py.string_dtype())
            with h5py.File(sys.argv[2], "w") as f:
                f["queries"] = rng.standard_normal((37, 48)).astype("float32")
                f["wrong"] = rng.standard_normal((5, 47)).astype("float32")
            """, [input.path, queries.path])
        let index = dir.appendingPathComponent("index").path
        let imported = try CLIRun.cbr(["index", "import", input.path, "--index", index, "--shard-rows", "400"])
        #expect(imported.status == 0)
        #expect(imported.stderr.contains("3000 rows were not unit length and were normalized"))
        let reader = try ShardedIndexReader(directory: URL(fileURLWithPath: index))
        #expect(reader.manifest.shards.count == 8 && reader.rowCount == 3000)
        #expect(try reader.ids(ofRows: [2999]) == ["a/2999.jpg"])

        for (k, mode) in [(10, [String]()), (25, ["--in-memory"])] {
            let out = dir.appendingPathComponent("R\(k).h5").path
            let searched = try CLIRun.cbr(["search", queries.path, "--index", index, "--k", "\(k)", "--out", out] + mode)
            #expect(searched.status == 0)
            #expect(searched.stderr.contains("37 of 37 queries were not unit length"))
            let check = try TestData.runPython(Self.reference, [input.path, queries.path, out, "[]"])
            #expect(check.contains("\"scores\": true") && check.contains("\"ids\": true"), "\(check)")
        }

        // Remove class "7" (the input's integer label 7): searches skip it at once, compact drops it.
        #expect(try CLIRun.cbr(["index", "remove", "--class", "7", index]).status == 0)
        let masked = dir.appendingPathComponent("masked.h5").path
        #expect(try CLIRun.cbr(["search", queries.path, "--index", index, "--k", "10", "--out", masked]).status == 0)
        #expect(try TestData.runPython(Self.reference, [input.path, queries.path, masked, "[7]"]).contains("\"ids\": true"))
        #expect(try CLIRun.cbr(["index", "compact", index]).status == 0)
        let compacted = try ShardedIndexReader(directory: URL(fileURLWithPath: index))
        let sevens = try TestData.runPython("import h5py, sys; print(int((h5py.File(sys.argv[1])['labels'][:] == 7).sum()))", [input.path])
        #expect(compacted.rowCount == 3000 - Int(sevens.trimmingCharacters(in: .whitespacesAndNewlines))!)
        #expect(sevens != "0\n")
        #expect(try CLIRun.cbr(["index", "info", "--verify", index]).status == 0)

        // A dimension mismatch and a corrupt shard are clear errors, exit code 2.
        let wrong = try CLIRun.cbr(["search", queries.path, "--dataset", "wrong", "--index", index, "--k", "3", "--out", masked])
        #expect(wrong.status == 2 && wrong.stderr.contains("dimension mismatch: the index has d = 48, got d = 47"))
        let shard = URL(fileURLWithPath: index).appendingPathComponent(compacted.manifest.shards[0].file)
        try TestData.runPython("import h5py,sys\nwith h5py.File(sys.argv[1], 'r+') as f: f['embeddings'][0, 0] += 0.5", [shard.path])
        let corrupt = try CLIRun.cbr(["search", queries.path, "--index", index, "--k", "3", "--out", masked])
        #expect(corrupt.status == 2 && corrupt.stderr.contains("corrupt shard: embeddings checksum"))
        #expect(try CLIRun.cbr(["index", "info", "--verify", index]).status == 2)
        try? FileManager.default.removeItem(at: dir)
    }
}
