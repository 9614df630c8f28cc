import Foundation
import ShardedIndex
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `cbr index whiten` on an index of real photo embeddings, checked against numpy: the projection (its
/// axes and eigenvalues), the rewritten rows, and classification through it; then killed mid-rewrite.
@Suite(.serialized) struct WhiteningTests {
    /// numpy's projection of the kept original rows for the recipe the manifest records, compared with
    /// cbr's: prints the largest differences as JSON.
    static let reference = #"""
import json, os, sys
import h5py, numpy as np
index = sys.argv[1]
m = json.load(open(os.path.join(index, "manifest.json")))
p = m["projection"]
def rows(shards):
    X, L = [], []
    for s in shards:
        with h5py.File(os.path.join(index, s["file"]), "r") as f:
            X.append(f["embeddings"][:].astype(np.float64)); L.append(f["labels"][:])
    return np.concatenate(X), np.concatenate(L)
X, L = rows(p["raw"])
Y, _ = rows(m["shards"])
removed = {c["id"] for c in m["classes"] if c["removed"]}
live = np.array([int(l) not in removed for l in L])
Xl, Ll = X[live], L[live]
d, D = X.shape[1], m["dimension"]
mu = Xl.mean(0)
C = (Xl - mu).T @ (Xl - mu) / len(Xl)
if p["method"] == "pca":
    w, V = np.linalg.eigh(C)
    w, V = w[::-1][:D], V[:, ::-1][:, :D]
    alpha = p["ridge"] * np.trace(C) / d
    P = (V * (np.maximum(w, 0) + alpha) ** -p["shrinkage"]).T
else:
    Sw = np.zeros((d, d))
    for c in np.unique(Ll):
        Z = Xl[Ll == c] - Xl[Ll == c].mean(0)
        Sw += Z.T @ Z
    Sw /= len(Xl)
    floor = max(np.trace(Sw) / d, np.trace(C) / d * 1e-3)
    B = Sw + p["ridge"] * floor * np.eye(d)
    Li = np.linalg.inv(np.linalg.cholesky(B))
    w, U = np.linalg.eigh(Li @ C @ Li.T)
    w, V = w[::-1][:D], (Li.T @ U)[:, ::-1][:, :D]
    P = V.T
with h5py.File(os.path.join(index, p["file"]), "r") as f:
    M, mean = f["matrix"][:].astype(np.float64), f["mean"][:].astype(np.float64)
signs = np.sign(np.sum(M * P, axis=1))
axis_error = np.max(np.abs(M - signs[:, None] * P)) / np.max(np.abs(P))
out = {"mean": float(np.max(np.abs(mean - mu))), "axes": axis_error, "D": int(D)}
if p["method"] == "pca":
    found = np.linalg.norm(M, axis=1) ** (-1 / p["shrinkage"]) - alpha
    out["eigenvalues"] = float(np.max(np.abs(found - w) / w[0]))
def unit(A): return A / np.linalg.norm(A, axis=1, keepdims=True)
Yref = unit((unit(X) - mu) @ (signs[:, None] * P).T)
out["rows"] = float(np.max(np.abs(Y - Yref)))
if len(sys.argv) > 2:  # queries: embeddings file → numpy's best neighbour (class, cosine) per query
    with h5py.File(sys.argv[2], "r") as f:
        Q, paths = f["embeddings"][:].astype(np.float64), [x.decode() if isinstance(x, bytes) else x for x in f["paths"][:]]
    S = unit((unit(Q) - mean) @ M.T) @ Y.T
    names = {c["id"]: c["name"] for c in m["classes"]}
    _, Ls = rows(m["shards"])
    out["answers"] = {path: [names[int(Ls[j])], float(S[i, j])] for i, (path, j) in enumerate(zip(paths, S.argmax(1)))}
print(json.dumps(out))
"""#

    /// An index of the augmented photos' training views (3 per photo, 2 rows per shard).
    static func index() throws -> (dataset: URL, index: URL) {
        let dataset = try AugmentedPhotos.make(perClass: 3, queries: 1)
        let index = dataset.appendingPathComponent("index")
        let build = try CLIRun.cbr(["index", "build", dataset.appendingPathComponent("train").path, "--index", index.path,
                                    "--shard-rows", "8"])
        guard build.status == 0 else { throw StepFailure(what: "index build: \(build.stderr)") }
        return (dataset, index)
    }

    static func compare(_ index: URL, queries: URL? = nil) throws -> [String: Any] {
        let out = try TestData.runPython(reference, [index.path] + (queries.map { [$0.path] } ?? []))
        return try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any] ?? [:]
    }

    @Test func pcaEqualsNumpyAndClassifiesThroughTheProjection() throws {
        let (dataset, index) = try Self.index()
        let run = try CLIRun.cbr(["index", "whiten", "--index", index.path, "--dims", "24", "--shrinkage", "0.5"])
        #expect(run.status == 0, "\(run.stderr)")
        let manifest = try Manifest.load(from: index)
        #expect(manifest.dimension == 24 && manifest.embeddingDimension == 1280)
        #expect(manifest.projection?.method == "pca" && manifest.projection?.raw?.count == 9)

        let queries = dataset.appendingPathComponent("query")
        let embedded = dataset.appendingPathComponent("queries.h5")
        let embed = try CLIRun.cbr(["embed", queries.path, "--out", embedded.path])
        #expect(embed.status == 0, "\(embed.stderr)")
        let figures = try Self.compare(index, queries: embedded)
        #expect(try #require(figures["mean"] as? Double) < 1e-5)
        #expect(try #require(figures["axes"] as? Double) < 2e-3)
        #expect(try #require(figures["eigenvalues"] as? Double) < 1e-4)
        #expect(try #require(figures["rows"] as? Double) < 2e-3)

        // classify on the whitened index equals projecting the query embeddings by hand and searching.
        let classify = try CLIRun.cbr(["classify", queries.path, "--index", index.path, "--top", "1", "--aggregate", "max",
                                       "--format", "csv"])
        #expect(classify.status == 0, "\(classify.stderr)")
        let answers = try #require(figures["answers"] as? [String: [Any]])
        let lines = classify.stdout.split(separator: "\n").dropFirst()
        #expect(lines.count == answers.count && answers.count == 24)
        for line in lines {
            let fields = line.split(separator: ",").map(String.init)
            let expected = try #require(answers[fields[0]], "\(fields[0]) not embedded")
            #expect(fields[2] == expected[0] as? String, "\(fields[0])")
            #expect(abs(Double(fields[3])! - (expected[1] as? Double ?? 9)) < 1e-4, "\(fields[0]): \(fields[3]) vs \(expected[1])")
        }
        let info = try CLIRun.cbr(["index", "info", "--index", index.path, "--verify"])
        #expect(info.stdout.contains("projection: pca 1280 → 24"), "\(info.stdout)")

        // index add projects new rows: a query view added under its class is then its own best neighbour.
        let added = dataset.appendingPathComponent("added")
        let one = try #require(try FileManager.default.contentsOfDirectory(atPath: queries.appendingPathComponent("coffee").path).first)
        try FileManager.default.createDirectory(at: added.appendingPathComponent("coffee"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: queries.appendingPathComponent("coffee/\(one)"), to: added.appendingPathComponent("coffee/added-\(one)"))
        let add = try CLIRun.cbr(["index", "add", added.path, "--index", index.path])
        #expect(add.status == 0 && add.stdout.contains("indexed 1 image"), "\(add.stdout) \(add.stderr)")
        let again = try CLIRun.cbr(["classify", queries.appendingPathComponent("coffee/\(one)").path, "--index", index.path,
                                    "--top", "1", "--aggregate", "max", "--format", "csv"])
        let score = Double(try #require(again.stdout.split(separator: "\n").last?.split(separator: ",").last))
        #expect(try #require(score) > 0.9999, "\(again.stdout)")
        // Learning again would lose the added row; dropping the originals deletes their files.
        let relearn = try CLIRun.cbr(["index", "whiten", "--index", index.path])
        #expect(relearn.status == 2 && relearn.stderr.contains("rows were added"), "\(relearn.stderr)")
        let rawFiles = try #require(try Manifest.load(from: index).projection?.raw).map { index.appendingPathComponent($0.file).path }
        #expect(try CLIRun.cbr(["index", "whiten", "--index", index.path, "--drop"]).status == 0)
        #expect(rawFiles.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(try CLIRun.cbr(["index", "info", "--index", index.path, "--verify"]).stdout.contains("original rows dropped"))
    }

    @Test func learnedEqualsNumpyAndCanBeLearnedAgain() throws {
        let (_, index) = try Self.index()
        #expect(try CLIRun.cbr(["index", "whiten", "--index", index.path, "--method", "pca", "--dims", "8"]).status == 0)
        // Learned again from the kept originals, with another method and size.
        let run = try CLIRun.cbr(["index", "whiten", "--index", index.path, "--method", "learned", "--dims", "16"])
        #expect(run.status == 0, "\(run.stderr)")
        let figures = try Self.compare(index)
        #expect(figures["D"] as? Int == 16)
        #expect(try #require(figures["axes"] as? Double) < 5e-3)
        #expect(try #require(figures["rows"] as? Double) < 5e-3)
    }

    /// The commands that embed photos and then search take the network's dimension from the projection's
    /// input: `suggest` once took the rows' (24) and trapped on its first batch.
    @Test func suggestAndTheOtherQueryCommandsRunThroughAReducedProjection() throws {
        let (dataset, index) = try Self.index()
        #expect(try CLIRun.cbr(["index", "whiten", "--index", index.path, "--method", "learned", "--dims", "24"]).status == 0)
        let queries = dataset.appendingPathComponent("query").path
        let classify = try CLIRun.cbr(["classify", queries, "--index", index.path, "--top", "2", "--format", "csv"])
        #expect(classify.status == 0, "\(classify.stderr)")
        let answered = classify.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }
        for by in ["margin", "least-confidence"] {
            for diverse in [[], ["--diverse"]] {
                let run = try CLIRun.cbr(["suggest", queries, "--index", index.path, "--count", "5", "--by", by] + diverse)
                #expect(run.status == 0, "\(by) \(diverse): \(run.stderr)")
                let rows = run.stdout.split(separator: "\n").dropFirst()
                #expect(rows.count == 5, "\(run.stdout)")
                #expect(rows.allSatisfy { answered.contains($0.split(separator: ",")[0]) }, "\(run.stdout)")
            }
        }
        let eval = try CLIRun.cbr(["eval", queries, "--index", index.path, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
    }

    @Test func aKilledRewriteLeavesAUsableIndex() throws {
        let (dataset, index) = try Self.index()
        let queries = dataset.appendingPathComponent("query")
        var generator = SeededGenerator(state: 12)
        let clock = Date()
        let timed = try CLIRun.cbr(["index", "whiten", "--index", index.path, "--dims", "32"])
        #expect(timed.status == 0, "\(timed.stderr)")
        let seconds = Date().timeIntervalSince(clock)
        #expect(try CLIRun.cbr(["index", "whiten", "--index", index.path, "--drop"]).status == 0)
        var outcomes: Set<Int> = []
        for round in 0..<6 {
            let before = try Manifest.load(from: index)
            let child = try CLIRun.start(["index", "whiten", "--index", index.path, "--dims", "\(16 + round)"])
            usleep(UInt32(Double.random(in: 0.05...1.0, using: &generator) * seconds * 1e6))
            child.child.kill()
            _ = child.finish()
            // Either the old index or the new one, never a mix; it verifies and classifies.
            let after = try Manifest.load(from: index)
            outcomes.insert(after.dimension == before.dimension ? 0 : 1)
            let info = try CLIRun.cbr(["index", "info", "--index", index.path, "--verify"])
            #expect(info.status == 0, "round \(round): \(info.stderr)")
            let eval = try CLIRun.cbr(["eval", queries.path, "--index", index.path, "--json"])
            #expect(eval.status == 0, "round \(round): \(eval.stderr)")
            #expect(try #require(OpenSetEval.reports(eval.stdout)["max"]?["top1"] as? Double) > 0.5)
        }
        // A writer opening the index cleans what a killed rewrite left: only listed files remain.
        #expect(try CLIRun.cbr(["index", "whiten", "--index", index.path, "--drop"]).status == 0)
        let manifest = try Manifest.load(from: index)
        let shards = try FileManager.default.contentsOfDirectory(atPath: index.appendingPathComponent("shards").path)
        #expect(Set(shards.map { "shards/" + $0 }) == Set(manifest.shards.map(\.file)))
        let top = try FileManager.default.contentsOfDirectory(atPath: index.path).filter { $0.hasPrefix("projection-") }
        #expect(top == [manifest.projection?.file].compactMap { $0 })
        _ = outcomes
    }
}
