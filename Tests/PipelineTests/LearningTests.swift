import Foundation
import HDF5
import Pipeline
import ShardedIndex
import Testing
import TestSupport

/// The augmented photos, an index of their training views and a head fitted on it, made once.
private enum Shared {
    static let dataset = Result { try AugmentedPhotos.make(perClass: 3, queries: 2) }
    static let index: Result<URL, any Error> = Result {
        let root = try dataset.get()
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "build", root.appendingPathComponent("train").path, "--index", index.path])
        guard run.status == 0 else { throw BuildFailed(stderr: run.stderr) }
        return index
    }
    static let head: Result<(URL, CLIRun), any Error> = Result {
        let index = try Shared.index.get()
        let head = index.deletingLastPathComponent().appendingPathComponent("head.h5")
        return (head, try CLIRun.cbr(["head", "fit", "--index", index.path, "--out", head.path, "--l2", "auto", "--folds", "3"]))
    }
    static let views = Result { try HardViews.make() }
}

private struct BuildFailed: Error { var stderr: String }

/// Lines of a CSV run's stdout, split into fields, header dropped.
private func csvRows(_ run: CLIRun) -> [[String]] {
    run.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
}

@Suite(.serialized) struct LearningTests {
    @Test func headFitRecordsTheIndexAndClassifiesHeldOutViews() throws {
        let (head, fit) = try Shared.head.get()
        let index = try Shared.index.get()
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.contains("cross-validated top-1"))
        let classes = try AugmentedPhotos.classNames()
        let manifest = try Manifest.load(from: index)
        let file = try H5File.open(at: head.path)
        #expect(try file.dataset("weights").shape == [classes.count, manifest.dimension])
        #expect(try file.dataset("classes").readStrings().sorted() == classes)
        #expect(try file.attribute("index_generation", as: Int.self) == manifest.generation)
        #expect(try file.attribute("l2", as: Double.self) > 0)
        try file.close()

        // Every held-out view (2 per photo, never seen by the fit) classified by the head.
        let query = try Shared.dataset.get().appendingPathComponent("query")
        let run = try CLIRun.cbr(["classify", query.path, "--index", index.path, "--head", head.path, "--top", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = csvRows(run)
        #expect(rows.count == classes.count * 2)
        let right = rows.filter { row in row.count == 4 && URL(fileURLWithPath: row[0]).deletingLastPathComponent().lastPathComponent == row[2] }
        #expect(Double(right.count) >= 0.9 * Double(rows.count), "\(rows.filter { !right.map(\.[0]).contains($0[0]) })")

        // eval reports the head as its rule, next to retrieval's figures on the same queries.
        let eval = try CLIRun.cbr(["eval", query.path, "--index", index.path, "--head", head.path, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        let report = try #require((object?["reports"] as? [[String: Any]])?.first)
        #expect(report["rule"] as? String == "head")
        #expect((report["top1"] as? Double ?? 0) >= 0.9)
    }

    @Test func softmaxScoresAreProbabilities() throws {
        let (head, _) = try Shared.head.get()
        let index = try Shared.index.get()
        let query = try Shared.dataset.get().appendingPathComponent("query")
        let run = try CLIRun.cbr(["classify", query.path, "--index", index.path, "--head", head.path, "--softmax",
                                  "--top", "1000"])
        #expect(run.status == 0, "\(run.stderr)")
        var sums: [String: Double] = [:]
        for row in csvRows(run) { sums[row[0], default: 0] += Double(row[3]) ?? .nan }
        #expect(!sums.isEmpty)
        for (image, sum) in sums { #expect(abs(sum - 1) < 1e-3, "\(image): \(sum)") }
    }

    @Test func aHeadIsRefusedByAChangedIndexAndAForeignFileIsNamed() throws {
        let (head, _) = try Shared.head.get()
        let index = try Shared.index.get()
        let copy = index.deletingLastPathComponent().appendingPathComponent("index-changed")
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: index, to: copy)
        let classes = try AugmentedPhotos.classNames()
        let removed = try CLIRun.cbr(["index", "remove", "--class", classes[0], "--index", copy.path])
        #expect(removed.status == 0, "\(removed.stderr)")
        let photo = try Shared.dataset.get().appendingPathComponent("query/\(classes[1])/v0.jpg")
        let refused = try CLIRun.cbr(["classify", photo.path, "--index", copy.path, "--head", head.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(head.path) && refused.stderr.contains("refit"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)

        // Any other HDF5 file (a shard of the index) is not a head; the message names it.
        let shard = try #require(try Manifest.load(from: index).shards.first).file
        let foreign = index.appendingPathComponent(shard).path
        let bad = try CLIRun.cbr(["classify", photo.path, "--index", index.path, "--head", foreign])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains(foreign) && bad.stderr.contains("not a cbr head file"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1)
    }

    @Test func episodesAreReproducibleFromTheSeed() throws {
        let index = try Shared.index.get()
        let arguments = ["eval", "--index", index.path, "--episodes", "40", "--ways", "5", "--shots", "1,2",
                         "--queries", "1", "--json"]
        let a = try CLIRun.cbr(arguments + ["--seed", "7"])
        let b = try CLIRun.cbr(arguments + ["--seed", "7"])
        let c = try CLIRun.cbr(arguments + ["--seed", "8"])
        #expect(a.status == 0 && b.status == 0 && c.status == 0, "\(a.stderr)\(c.stderr)")
        #expect(a.stdout == b.stdout)
        #expect(a.stdout != c.stdout)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 6)
        for row in rows {
            let accuracy = row["accuracy"] as? Double ?? -1
            // Views of 24 distinct photos: far above chance (0.2) with one shot already.
            #expect(accuracy >= 0.6 && accuracy <= 1, "\(row)")
            #expect((row["ci95"] as? Double ?? -1) >= 0)
            #expect(row["episodes"] as? Int == 40)
        }
        let tooMany = try CLIRun.cbr(["eval", "--index", index.path, "--episodes", "5", "--shots", "3", "--queries", "1"])
        #expect(tooMany.status == 2)
        #expect(tooMany.stderr.contains("need 5 classes of at least 4 rows"), "\(tooMany.stderr)")
    }

    @Test(arguments: ["margin", "entropy", "least-confidence"])
    func suggestRanksHardViewsFirst(by measure: String) throws {
        let index = try Shared.index.get()
        let views = try Shared.views.get()
        let classes = try AugmentedPhotos.classNames()
        let out = views.appendingPathComponent("suggest-\(measure).csv")
        let run = try CLIRun.cbr(["suggest", views.path, "--index", index.path, "--count", "\(classes.count)",
                                  "--by", measure, "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOf: out, encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(text.hasPrefix("image,score,top1,top2\n"))
        #expect(rows.count == classes.count)
        let hard = rows.filter { $0[0].contains("/hard/") }.count
        // Most of the first half are the tiny blurred crops.
        #expect(Double(hard) >= 0.8 * Double(rows.count), "\(measure): \(hard) of \(rows.count)\n\(text)")
        // Most unsure first: the scores are ordered.
        let scores = rows.map { Double($0[1]) ?? .nan }
        #expect(scores == (measure == "margin" ? scores.sorted() : scores.sorted(by: >)))
    }

    @Test func diverseSuggestionsSkipNearDuplicates() throws {
        let index = try Shared.index.get()
        let views = try Shared.views.get()
        // The same hard view five times: without --diverse the copies fill the list, with it only one is taken.
        let dir = views.appendingPathComponent("copies")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let hard = try FileManager.default.contentsOfDirectory(atPath: views.appendingPathComponent("hard").path).sorted()
        let plain = try CLIRun.cbr(["suggest", views.appendingPathComponent("hard").path, "--index", index.path, "--count", "1"])
        let first = try #require(csvRows(plain).first?.first)
        for i in 0..<5 { try FileManager.default.copyItem(atPath: first, toPath: dir.appendingPathComponent("copy\(i).jpg").path) }
        for name in hard.prefix(10) {
            try FileManager.default.copyItem(atPath: views.appendingPathComponent("hard/\(name)").path,
                                             toPath: dir.appendingPathComponent(name).path)
        }
        let same = try CLIRun.cbr(["suggest", dir.path, "--index", index.path, "--count", "5"])
        let spread = try CLIRun.cbr(["suggest", dir.path, "--index", index.path, "--count", "5", "--diverse"])
        #expect(same.status == 0 && spread.status == 0, "\(same.stderr)\(spread.stderr)")
        let copies = { (run: CLIRun) in csvRows(run).filter { $0[0].contains("/copy") }.count }
        #expect(copies(same) >= 4)
        #expect(copies(spread) <= 2)
    }

    @Test func confidentPseudoLabelsAreAddedMarkedAndRemovable() throws {
        let index = try Shared.index.get()
        let copy = index.deletingLastPathComponent().appendingPathComponent("index-pseudo")
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: index, to: copy)
        let before = try ShardedIndexReader(directory: copy)
        let rows = before.rowCount
        let prototypes = try before.prototypes()
        let query = try Shared.dataset.get().appendingPathComponent("query")
        let queries = try AugmentedPhotos.classNames().count * 2

        // A threshold no cosine reaches adds nothing.
        let none = try CLIRun.cbr(["index", "add", "--index", copy.path, "--pseudo-label", query.path, "--min-score", "1.01"])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.stdout.contains("pseudo-labelled 0 of \(queries) photos"), "\(none.stdout)")
        #expect(try ShardedIndexReader(directory: copy).rowCount == rows)

        let add = try CLIRun.cbr(["index", "add", "--index", copy.path, "--pseudo-label", query.path, "--min-score", "0.5",
                                  "--min-margin", "0.02", "--truth-from-folders"])
        #expect(add.status == 0, "\(add.stderr)")
        let after = try ShardedIndexReader(directory: copy)
        let ids = try after.allIDs()
        let pseudo = ids.filter { $0.hasPrefix(PseudoLabels.idPrefix) }
        #expect(pseudo.count >= queries / 2, "\(add.stdout)")
        #expect(after.rowCount == rows + pseudo.count)
        #expect(add.stdout.contains("pseudo-labelled \(pseudo.count) of \(queries) photos"), "\(add.stdout)")
        // Each added row sits in its predicted class; the views' folders say the labels are right.
        var labels: [Int32] = []
        try after.forEachBlock(maxRows: 1024) { labels += Array($0.labels) }
        let right = zip(ids, labels).filter { id, label in
            id.hasPrefix(PseudoLabels.idPrefix)
                && URL(fileURLWithPath: id).deletingLastPathComponent().lastPathComponent == after.classes[Int(label)].name
        }
        #expect(Double(right.count) >= 0.95 * Double(pseudo.count))
        #expect(add.stdout.contains("precision against the folder names"))

        // Again: every photo is already in, nothing is added twice.
        let again = try CLIRun.cbr(["index", "add", "--index", copy.path, "--pseudo-label", query.path, "--min-score", "0.5",
                                    "--min-margin", "0.02"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try ShardedIndexReader(directory: copy).rowCount == rows + pseudo.count)

        let remove = try CLIRun.cbr(["index", "remove", "--pseudo", "--index", copy.path])
        #expect(remove.status == 0, "\(remove.stderr)")
        #expect(remove.stdout.contains("removed \(pseudo.count) pseudo-labelled rows"), "\(remove.stdout)")
        let cleaned = try ShardedIndexReader(directory: copy)
        #expect(cleaned.rowCount == rows)
        #expect(try cleaned.allIDs().sorted() == (try before.allIDs()).sorted())
        #expect(cleaned.manifest.classes.map(\.rows) == before.manifest.classes.map(\.rows))
        let restored = try cleaned.prototypes()
        #expect(zip(restored, prototypes).allSatisfy { abs($0 - $1) < 1e-4 })
        try cleaned.verify()
    }

    @Test func badArgumentsAndMissingPhotosAreOneLineEach() throws {
        let index = try Shared.index.get()
        let out = index.deletingLastPathComponent().appendingPathComponent("never.h5")
        for l2 in ["-1", "0", "nan", "big"] {
            let run = try CLIRun.cbr(["head", "fit", "--index", index.path, "--out", out.path, "--l2", l2])
            #expect(run.status == 2 && run.stderr.contains("--l2"), "\(l2): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let missing = try CLIRun.cbr(["head", "fit", "--index", "/nonexistent-index", "--out", out.path])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent-index"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))

        // A photo that is not there is listed (exit code 1); the others are still ranked.
        let views = try Shared.views.get()
        let run = try CLIRun.cbr(["suggest", views.appendingPathComponent("hard").path, "/nonexistent.jpg",
                                  "--index", index.path, "--count", "3"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("/nonexistent.jpg"))
        #expect(csvRows(run).count == 3)
    }

    /// The fit against numpy on the same rows: W and the bias of the closed form, and every cross-validated
    /// top-1 of the table against brute-force K-fold refits (fold f = rows v with v mod K = f, global centring).
    @Test func headFitAgreesWithNumpysRidgeAndKFoldRefits() throws {
        let (head, fit) = try Shared.head.get()
        let index = try Shared.index.get()
        #expect(fit.status == 0, "\(fit.stderr)")
        let table = fit.stdout.split(separator: "\n").drop { !$0.hasPrefix("λ") }.dropFirst()
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: ":") }
            .filter { !$0.hasPrefix("wrote") }
        #expect(table.count == 11)
        let script = #"""
import json, sys, numpy as np, h5py
index, head, table = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
m = json.load(open(index + "/manifest.json"))
X, y = [], []
for s in m["shards"]:
    with h5py.File(index + "/" + s["file"]) as f:
        X.append(f["embeddings"][:].astype(np.float64)); y.append(f["labels"][:])
X, y = np.concatenate(X), np.concatenate(y)
N, d = X.shape
C = len(m["classes"])
mu = X.mean(0); Xc = X - mu; Y = np.eye(C)[y]
with h5py.File(head) as f:
    W, b, lam, ids = f["weights"][:], f["bias"][:], f.attrs["l2"], f["class_ids"][:]
Wn = np.linalg.solve(Xc.T @ Xc + lam * np.eye(d), Xc.T @ Y[:, ids]).T
bn = Y[:, ids].mean(0) - Wn @ mu
assert np.abs(W - Wn).max() < 1e-4 and np.abs(b - bn).max() < 1e-4, (np.abs(W - Wn).max(), np.abs(b - bn).max())
K = 3
for entry in table:
    lam, accuracy = map(float, entry.split(":"))
    right = 0
    for f in range(K):
        te = np.arange(N) % K == f; tr = ~te
        Wf = np.linalg.solve(Xc[tr].T @ Xc[tr] + lam * np.eye(d), Xc[tr].T @ Y[tr])
        right += ((Xc[te] @ Wf + Y[tr].sum(0) / tr.sum()).argmax(1) == y[te]).sum()
    assert abs(right / N - accuracy) < 1e-3, (lam, right / N, accuracy)
print("ok")
"""#
        let out = try TestData.runPython(script, [index.path, head.path, table.joined(separator: ",")])
        #expect(out.contains("ok"))
    }
}
