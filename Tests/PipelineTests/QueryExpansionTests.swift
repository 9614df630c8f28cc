import Foundation
import Testing
import TestSupport

/// `--qe N:α` checked against numpy on real photo embeddings: the query plus its N best neighbours weighted
/// by similarity^α, searched again, gives the same best class and score as cbr's classify.
@Suite(.serialized) struct QueryExpansionTests {
    static let reference = #"""
import json, os, sys
import h5py, numpy as np
index, queries, n, alpha = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
m = json.load(open(os.path.join(index, "manifest.json")))
Y, L = [], []
for s in m["shards"]:
    with h5py.File(os.path.join(index, s["file"]), "r") as f:
        Y.append(f["embeddings"][:].astype(np.float64)); L.append(f["labels"][:])
Y, L = np.concatenate(Y), np.concatenate(L)
with h5py.File(queries, "r") as f:
    Q, paths = f["embeddings"][:].astype(np.float64), [x.decode() if isinstance(x, bytes) else x for x in f["paths"][:]]
Q /= np.linalg.norm(Q, axis=1, keepdims=True)
S = Q @ Y.T
out = {}
for i, path in enumerate(paths):
    best = np.argsort(-S[i])[:n]
    e = Q[i] + sum(max(S[i, j], 0) ** alpha * Y[j] for j in best)
    s2 = Y @ (e / np.linalg.norm(e))
    j = int(np.argmax(s2))
    out[path] = [next(c["name"] for c in m["classes"] if c["id"] == int(L[j])), float(s2[j]), int(np.argmax(S[i]) != j)]
print(json.dumps(out))
"""#

    @Test func expandedQueriesEqualNumpys() throws {
        let (dataset, index) = try WhiteningTests.index()
        let queries = dataset.appendingPathComponent("query")
        let embedded = dataset.appendingPathComponent("queries.h5")
        #expect(try CLIRun.cbr(["embed", queries.path, "--out", embedded.path]).status == 0)
        let answers = try JSONSerialization.jsonObject(with: Data(TestData.runPython(Self.reference, [index.path, embedded.path, "3", "2"]).utf8))
            as? [String: [Any]] ?? [:]
        let run = try CLIRun.cbr(["classify", queries.path, "--index", index.path, "--top", "1", "--aggregate", "max",
                                  "--format", "csv", "--qe", "3:2"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").dropFirst()
        #expect(lines.count == 24 && answers.count == 24)
        for line in lines {
            let fields = line.split(separator: ",").map(String.init)
            let expected = try #require(answers[fields[0]])
            #expect(fields[2] == expected[0] as? String, "\(fields[0])")
            #expect(abs(Double(fields[3])! - (expected[1] as? Double ?? 9)) < 1e-4, "\(fields[0]): \(fields[3]) vs \(expected[1])")
        }
        // The expansion moved at least one query's best neighbour: the second search is not the first.
        #expect(answers.values.contains { $0[2] as? Int == 1 })
        for bad in ["0", "101", "3:-1", "x", "3:2:1"] {
            let refused = try CLIRun.cbr(["classify", queries.path, "--index", index.path, "--qe", bad])
            #expect(refused.status == 2, "--qe \(bad)")
        }
    }

    /// numpy's αDBA of the index's rows before (argv 1: a copy of the index) compared with cbr's (argv 2).
    static let dbaReference = #"""
import json, os, sys
import h5py, numpy as np
def rows(index):
    m = json.load(open(os.path.join(index, "manifest.json")))
    Y, ids = [], []
    for s in m["shards"]:
        with h5py.File(os.path.join(index, s["file"]), "r") as f:
            Y.append(f["embeddings"][:].astype(np.float64)); ids += [x.decode() if isinstance(x, bytes) else x for x in f["ids"][:]]
    return np.concatenate(Y), ids
X, ids = rows(sys.argv[1])
Z, ids2 = rows(sys.argv[2])
n, alpha = int(sys.argv[3]), float(sys.argv[4])
S = X @ X.T
best = np.argsort(-S, axis=1)[:, :n]
R = np.stack([sum(max(S[i, j], 0) ** alpha * X[j] for j in best[i]) for i in range(len(X))])
R /= np.linalg.norm(R, axis=1, keepdims=True)
print(json.dumps({"same_ids": ids == ids2, "error": float(np.max(np.abs(R - Z))), "moved": float(np.max(np.abs(X - Z)))}))
"""#

    @Test func databaseAugmentationEqualsNumpys() throws {
        let (dataset, index) = try WhiteningTests.index()
        let before = dataset.appendingPathComponent("before")
        try FileManager.default.copyItem(at: index, to: before)
        let run = try CLIRun.cbr(["index", "dba", "--index", index.path, "--neighbours", "3", "--alpha", "3"])
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try JSONSerialization.jsonObject(with: Data(TestData.runPython(Self.dbaReference, [before.path, index.path, "3", "3"]).utf8))
            as? [String: Any] ?? [:]
        #expect(figures["same_ids"] as? Bool == true)
        #expect(try #require(figures["error"] as? Double) < 1e-4)
        #expect(try #require(figures["moved"] as? Double) > 1e-2)
        #expect(try CLIRun.cbr(["index", "info", "--index", index.path, "--verify"]).status == 0)
        #expect(try CLIRun.cbr(["index", "dba", "--index", index.path, "--neighbours", "0"]).status == 2)
    }
}
