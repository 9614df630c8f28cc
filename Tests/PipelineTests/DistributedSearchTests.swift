import Aggregate
import Foundation
import Pipeline
import ShardedIndex
import Testing
import TestSupport

/// The distributed search, classify and eval against `Cluster`, on N ranks in one process
/// (`InProcessCluster`): the answers equal one process's — ids and classes identical, scores bit-equal.
@Suite(.serialized) struct DistributedSearchTests {
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
        let (index, queries) = try ShardedPhotos.data.get()
        let single = try Self.classify(SingleProcess(), index: index, queries: queries, rule: rule)
        #expect(single.predictions.count == (try AugmentedPhotos.classNames().count) * 2)
        #expect(single.failures.count == 1 && single.failures[0].hasSuffix("coffee/broken.jpg"))
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

    @Test("ranks that list different inputs stop with an error instead of mismatching their collectives")
    func differentInputsAreRefused() throws {
        let (index, queries) = try ShardedPhotos.data.get()
        #expect(throws: ClusterError.self) {
            _ = try InProcessCluster.run(size: 2) { cluster in
                // Rank 1 sees one image fewer, as if a file vanished while the ranks walked the folder.
                try Self.classify(cluster, index: index, queries: cluster.rank == 0 ? queries : queries.appendingPathComponent("coffee"),
                                  rule: .max)
            }
        }
    }

    @Test("eval of every rule on 2 and 3 ranks reports what one process reports", arguments: [2, 3])
    func evalMatchesOneProcess(_ size: Int) throws {
        let (index, queries) = try ShardedPhotos.data.get()
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

    @Test("search of 120k random rows on 2 and 3 ranks writes what one process writes", arguments: [false, true])
    func searchMatchesOneProcess(_ inMemory: Bool) throws {
        let data = try RandomIndex(rows: 120_000, shardRows: 16384, queries: 300)
        let (index, queries, out) = (data.index, data.queries, data.folder)
        #expect(try Manifest.load(from: index).shards.count == 8)
        let single = out.appendingPathComponent("single.h5").path
        try Commands.search(queries.path, dataset: nil, index: index, k: 10, out: single, inMemory: inMemory,
                            blockRows: 5000, verify: true, console: .standard)
        let expected = try RandomIndex.output(single)
        #expect(expected.rows.count == 300 * 10 && expected.rows.allSatisfy { $0 >= 0 && $0 < 120_000 })
        for ranks in [2, 3] {
            let path = out.appendingPathComponent("ranks-\(ranks).h5").path
            _ = try InProcessCluster.run(size: ranks) { cluster in
                try Commands.search(queries.path, dataset: nil, index: index, k: 10, out: path, inMemory: inMemory,
                                    blockRows: 5000, verify: true, console: .standard, cluster: cluster)
            }
            let got = try RandomIndex.output(path)
            #expect(got.rows == expected.rows, "\(ranks) ranks")
            #expect(got.labels == expected.labels, "\(ranks) ranks")
            #expect(got.scores == expected.scores, "\(ranks) ranks")
            // Only rank 0 wrote: no other file (or temporary) appeared.
            let names = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".h5") || $0.contains(".tmp-") }
            #expect(names.allSatisfy { $0 == "single.h5" || $0.hasPrefix("ranks-") && !$0.contains(".tmp-") }, "\(names)")
        }
    }
}
