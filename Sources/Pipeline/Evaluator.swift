import Aggregate
import Foundation
import Imaging
import ShardedIndex

/// `cbr eval`: classifies a labelled query set against an index and measures each aggregation rule on the
/// same neighbours. A query whose class the index does not hold (or that has none) is a distractor.
public enum Evaluator {
    public struct ClassReport: Codable, Sendable {
        public var name: String
        public var support: Int
        public var predicted: Int
        public var truePositives: Int
        public var recall: Double?
        public var precision: Double?
    }

    public struct Report: Codable, Sendable {
        public var rule: String
        public var k: Int
        public var queries: Int
        public var known: Int
        public var distractors: Int
        public var top1: Double
        public var top5: Double
        public var gap: Double
        /// The calibrated threshold (best F1, or the lowest reaching the target precision) and its figures.
        public var threshold: Float?
        public var thresholdPrecision: Double?
        public var thresholdRecall: Double?
        public var thresholdF1: Double?
        public var targetPrecision: Double?
        public var openSetAccuracy: Double?
        public var perClass: [ClassReport]
    }

    public struct Result: Sendable {
        public var reports: [Report]
        /// Every query that failed (the dataset's problems first, then images in input order); on a
        /// cluster, rank 0's holds every rank's, the others' their own.
        public var failures: [Dataset.Problem]
        /// The failures this process met itself, which it reports (all of `failures` in one process).
        public var ownFailures: [Dataset.Problem]
        public var seconds: Double
        /// The search: nil for exact, else the classes routed per query (how `auto` chose them).
        public var route: String?

        public var json: String {
            struct Output: Codable { var reports: [Report]; var failures: [String]; var seconds: Double; var route: String? }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            let data = (try? encoder.encode(Output(reports: reports, failures: failures.map(\.description), seconds: seconds, route: route))) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }

        public var summary: String {
            guard let first = reports.first else { return "no queries" }
            var lines = ["\(first.queries) queries (\(first.known) of indexed classes, \(first.distractors) distractors), "
                + "k = \(first.k), \(failures.count) failed, \(String(format: "%.1f", seconds)) s"
                + (route.map { ", routed search: \($0)" } ?? ""),
                         "rule        top-1   top-5   GAP     threshold  precision  recall  F1      open-set"]
            for r in reports {
                func pct(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "-" }
                lines.append(r.rule.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + [pct(r.top1), pct(r.top5), pct(r.gap)].map { $0.padding(toLength: 8, withPad: " ", startingAt: 0) }.joined()
                    + (r.threshold.map { String(format: "%.4f", $0) } ?? "-").padding(toLength: 11, withPad: " ", startingAt: 0)
                    + pct(r.thresholdPrecision).padding(toLength: 11, withPad: " ", startingAt: 0)
                    + pct(r.thresholdRecall).padding(toLength: 8, withPad: " ", startingAt: 0)
                    + pct(r.thresholdF1).padding(toLength: 8, withPad: " ", startingAt: 0)
                    + pct(r.openSetAccuracy))
            }
            let weakest = first.perClass.filter { $0.support > 0 }.sorted { ($0.recall ?? 0, $0.name) < ($1.recall ?? 0, $1.name) }
            lines.append("per-class recall (\(first.rule)), lowest first:")
            lines += weakest.prefix(20).map { "  \($0.name): \(String(format: "%.3f", $0.recall ?? 0)) of \($0.support)" }
            if weakest.count > 20 { lines.append("  … \(weakest.count - 20) more (--json lists all)") }
            return lines.joined(separator: "\n")
        }
    }

    /// Classifies `dataset` under each of `rules` and measures them. On a cluster: collective, every rank
    /// with the same dataset; the images of each search batch are embedded across the ranks and each rank
    /// searches its shards (see `Classifier`). Rank 0's result holds the reports and the dataset's problems,
    /// every rank's the images it failed to decode (the other ranks' reports are empty).
    public static func run(_ dataset: Dataset, index: URL, model: URL?, rules: [AggregationRule], k: Int,
                           targetPrecision: Double?, batchSize: Int, threads: Int, decode: DecodeMode = .exact,
                           route: Route? = nil, filter: ClassFilter = ClassFilter(), expansion: QueryExpansion? = nil,
                           searchBatch: Int = Classifier.Options().searchBatch,
                           cluster: any Cluster = SingleProcess(),
                           progress: Bool = isatty(STDERR_FILENO) == 1, head: String? = nil) throws -> Result {
        let clock = Date()
        // With a head, one ranking: the head's (reported as rule `head`).
        let rules = head != nil || rules.isEmpty ? [.max] : rules
        let classifier = try Classifier(index: index, model: model, options: .init(
            top: 5, k: k, rule: rules[0], batchSize: batchSize, searchBatch: searchBatch, threads: threads,
            decode: decode, route: route, filter: filter, expansion: expansion),
            prototypes: rules.contains { $0.usesPrototypes }, cluster: cluster)
        if let head { try classifier.useHead(head) }
        let truths = dataset.classNames.map { classifier.classes.id(of: $0) }
        let items = dataset.items
        var outcomes = [[QueryOutcome]](repeating: [], count: rules.count)
        var failed: [(index: Int, problem: Dataset.Problem)] = []
        let meter = ProgressLine(total: items.count, label: "evaluating", enabled: progress && cluster.isRoot)
        let queries = SearchQueries(cluster: cluster, embedder: classifier.model.embedder(batchSize: batchSize, threads: threads,
                                                                                          decode: decode),
                                    searchBatch: searchBatch, dimension: classifier.manifest.embeddingDimension)
        try queries.run(items.map(\.file.url), failure: { index, error in
            failed.append((index, Dataset.Problem(path: items[index].path, error: error)))
        }) { batch in
            let rankings = try classifier.rank(batch.embeddings, count: batch.indices.count, rules: rules, top: 5)
            for (r, perQuery) in rankings.enumerated() {
                for (index, ranking) in zip(batch.indices, perQuery) {
                    outcomes[r].append(QueryOutcome(truth: items[index].label.flatMap { truths[Int($0)] }, ranking: ranking))
                }
            }
            meter.advance(by: batch.files.count)
        }
        meter.finish()
        let reports = !cluster.isRoot ? [] : zip(rules, outcomes).map { rule, outcomes in
            report(Evaluation(outcomes, targetPrecision: targetPrecision), rule: rule, k: k,
                   targetPrecision: targetPrecision, classes: classifier.classes, head: head != nil)
        }
        let own = (cluster.isRoot ? dataset.problems : []) + failed.map(\.problem)
        let all = try FailedQueries.gathered(failed, cluster: cluster, items: items.count).map { dataset.problems + $0 } ?? own
        return Result(reports: reports, failures: all, ownFailures: own, seconds: Date().timeIntervalSince(clock),
                      route: classifier.routeDescription)
    }

    static func report(_ e: Evaluation, rule: AggregationRule, k: Int, targetPrecision: Double?, classes: ClassTable,
                       head: Bool = false) -> Report {
        Report(rule: head ? "head" : rule.name, k: k, queries: e.queries, known: e.known, distractors: e.queries - e.known,
               top1: e.top1, top5: e.top5, gap: e.gap, threshold: e.calibration?.threshold,
               thresholdPrecision: e.calibration?.precision, thresholdRecall: e.calibration?.recall,
               thresholdF1: e.calibration?.f1, targetPrecision: targetPrecision, openSetAccuracy: e.openSetAccuracy,
               perClass: e.perClass.map {
                   ClassReport(name: classes.name($0.classID) ?? "#\($0.classID)", support: $0.support, predicted: $0.predicted,
                               truePositives: $0.truePositives, recall: $0.recall, precision: $0.precision)
               })
    }
}
