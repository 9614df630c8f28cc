import Aggregate
import Foundation
import HDF5
import Pipeline
import ShardedIndex
import Testing
import TestSupport

/// The distributed search, classify and eval against `Cluster`, on N ranks in one process
/// (`InProcessCluster`): the answers equal one process's — ids and classes identical, scores bit-equal.
@Suite(.serialized) struct DistributedSearchTests {
    /// Augmented real photos; the index of their training views in shards of 7 rows (so every rank has
    /// some), and a query folder with one file that is no image.
    private enum Shared {
        static let data: Result<(root: URL, index: URL, queries: URL), any Error> = Result {
            let root = try AugmentedPhotos.make()
            let index = root.appendingPathComponent("index")
            let run = try CLIRun.cbr(["index", "build", root.appendingPathComponent("train").path, "--index", index.path,
                                      "--shard-rows", "7"])
            guard run.status == 0 else { throw BuildFailed(stderr: run.stderr) }
            let queries = root.appendingPathComponent("query")
            try Data("not a jpeg".utf8).write(to: queries.appendingPathComponent("brick/broken.jpg"))
            return (root, index, queries)
        }
    }

    struct BuildFailed: Error { var stderr: String }

    typealias Prediction = (path: String, names: [String], scores: [Float])

    /// `classify` on one rank of `cluster`: rank 0's predictions and this rank's failures.
    static func classify(_ cluster: any Cluster, index: URL, queries: URL, rule: AggregationRule) throws
        -> (predictions: [Prediction], failures: [String]) {
        let dataset = Dataset.unlabelled([queries.path])
        let classifier = try Classifier(index: index, model: nil, options: .init(
            top: 3, k: 10, rule: rule, batchSize: 3, searchBatch: 8, threads: 1), cluster: cluster)
        var predictions: [Prediction] = []
        var failures: [String] = []
        let count = try classifier.classify(dataset.items.map(\.file), progress: false, result: { path, answers in
            predictions.append((path, answers.map(\.name), answers.map(\.score)))
        }, failure: { failures.append($0.path) })
        #expect(count == failures.count)
        return (predictions, failures)
    }

    @Test("classify on 2 and 3 ranks equals one process: same images, classes and scores; each failure reported once",
          arguments: [AggregationRule.max, .power(exponent: 8), .prototype])
    func classifyMatchesOneProcess(_ rule: AggregationRule) throws {
        let (_, index, queries) = try Shared.data.get()
        let single = try Self.classify(SingleProcess(), index: index, queries: queries, rule: rule)
        #expect(single.predictions.count == (try AugmentedPhotos.classNames().count) * 2)
        #expect(single.failures.count == 1 && single.failures[0].hasSuffix("brick/broken.jpg"))
        let correct = single.predictions.filter { $0.path.split(separator: "/").dropLast().last.map(String.init) == $0.names.first }
        #expect(Double(correct.count) >= 0.9 * Double(single.predictions.count))
        for ranks in [2, 3] {
            let runs = try InProcessCluster.run(size: ranks) { cluster in
                try Self.classify(cluster, index: index, queries: queries, rule: rule)
            }
            let root = runs[0].predictions
            #expect(runs.dropFirst().allSatisfy { $0.predictions.isEmpty }, "\(ranks) ranks: only rank 0 gets results")
            #expect(runs.flatMap(\.failures) == single.failures, "\(ranks) ranks")
            #expect(root.map(\.path) == single.predictions.map(\.path), "\(ranks) ranks")
            #expect(root.map(\.names) == single.predictions.map(\.names), "\(ranks) ranks")
            #expect(zip(root, single.predictions).allSatisfy { zip($0.scores, $1.scores).allSatisfy { $0.bitPattern == $1.bitPattern } },
                    "\(ranks) ranks")
        }
    }

    @Test("eval of every rule on 2 and 3 ranks reports what one process reports", arguments: [2, 3])
    func evalMatchesOneProcess(_ size: Int) throws {
        let (_, index, queries) = try Shared.data.get()
        @Sendable func run(_ cluster: any Cluster) throws -> Evaluator.Result {
            try Evaluator.run(try Dataset.open(folder: queries.path, csv: nil, images: nil), index: index, model: nil,
                              rules: AggregationRule.names.map { AggregationRule(name: $0)! }, k: 10,
                              targetPrecision: nil, batchSize: 4, threads: 1, searchBatch: 10, cluster: cluster,
                              progress: false)
        }
        func comparable(_ result: Evaluator.Result) -> String {
            var copy = result
            copy.seconds = 0
            return copy.json
        }
        let single = try run(SingleProcess())
        #expect(single.reports.count == AggregationRule.names.count)
        #expect(single.reports.allSatisfy { $0.queries == (try? AugmentedPhotos.classNames().count * 2) && $0.top1 >= 0.9 })
        let ranks = try InProcessCluster.run(size: size) { try run($0) }
        #expect(comparable(ranks[0]) == comparable(single))
        let root = ranks[0]
        #expect(root.reports.map(\.rule) == single.reports.map(\.rule))
        for (a, b) in zip(root.reports, single.reports) {
            #expect(a.top1 == b.top1 && a.top5 == b.top5 && a.gap == b.gap && a.threshold == b.threshold, "\(a.rule)")
            #expect(a.perClass.map(\.predicted) == b.perClass.map(\.predicted), "\(a.rule)")
        }
        #expect(ranks.dropFirst().allSatisfy { $0.reports.isEmpty })
        // Rank 0's report lists every failure; each rank reports (to its console) only its own.
        #expect(ranks[0].failures == single.failures)
        #expect(ranks.flatMap(\.ownFailures).map(\.path) == single.failures.map(\.path))
        #expect(single.failures.count == 1)
    }

    /// An index of `rows` random rows (d = 32, 50 classes) imported by `cbr` in shards of 16384 rows, and a
    /// `.fbin` of 300 queries.
    static func randomIndex(rows: Int) throws -> (index: URL, queries: URL) {
        let root = try TestData.temporaryDirectory("distributed-search")
        let fbin = root.appendingPathComponent("rows.fbin"), labels = root.appendingPathComponent("labels.txt")
        let queries = root.appendingPathComponent("q.fbin")
        try TestData.runPython("""
            import sys, numpy as np
            n = int(sys.argv[4]); rng = np.random.default_rng(11)
            def fbin(path, x):
                with open(path, 'wb') as f: f.write(np.array(x.shape, '<u4').tobytes()); f.write(x.astype('<f4').tobytes())
            fbin(sys.argv[1], rng.standard_normal((n, 32)))
            open(sys.argv[2], 'w').write(''.join(f'c{i % 50}\\n' for i in rng.integers(0, 50, n)))
            fbin(sys.argv[3], rng.standard_normal((300, 32)))
            """, [fbin.path, labels.path, queries.path, "\(rows)"])
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "import", fbin.path, "--labels", labels.path, "--index", index.path,
                                  "--shard-rows", "16384"])
        #expect(run.status == 0, "\(run.stderr)")
        return (index, queries)
    }

    /// The datasets of a `cbr search` output file.
    static func searchOutput(_ path: String) throws -> (rows: [Int64], scores: [Float], labels: [Int32]) {
        let file = try H5File.open(at: path)
        return (try file.dataset("indices").read(as: Int64.self), try file.dataset("scores").read(as: Float.self),
                try file.dataset("labels").read(as: Int32.self))
    }

    @Test("search of 120k random rows on 2 and 3 ranks writes what one process writes", arguments: [false, true])
    func searchMatchesOneProcess(_ inMemory: Bool) throws {
        let (index, queries) = try Self.randomIndex(rows: 120_000)
        #expect(try Manifest.load(from: index).shards.count == 8)
        let out = index.deletingLastPathComponent()
        let single = out.appendingPathComponent("single.h5").path
        try Commands.search(queries.path, dataset: nil, index: index, k: 10, out: single, inMemory: inMemory,
                            blockRows: 5000, verify: true, console: .standard)
        let expected = try Self.searchOutput(single)
        #expect(expected.rows.count == 300 * 10 && expected.rows.allSatisfy { $0 >= 0 && $0 < 120_000 })
        for ranks in [2, 3] {
            let path = out.appendingPathComponent("ranks-\(ranks).h5").path
            _ = try InProcessCluster.run(size: ranks) { cluster in
                try Commands.search(queries.path, dataset: nil, index: index, k: 10, out: path, inMemory: inMemory,
                                    blockRows: 5000, verify: true, console: .standard, cluster: cluster)
            }
            let got = try Self.searchOutput(path)
            #expect(got.rows == expected.rows, "\(ranks) ranks")
            #expect(got.labels == expected.labels, "\(ranks) ranks")
            #expect(zip(got.scores, expected.scores).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(ranks) ranks")
            // Only rank 0 wrote: no other file (or temporary) appeared.
            let names = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".h5") || $0.contains(".tmp-") }
            #expect(names.allSatisfy { $0 == "single.h5" || $0.hasPrefix("ranks-") && !$0.contains(".tmp-") }, "\(names)")
        }
    }
}
