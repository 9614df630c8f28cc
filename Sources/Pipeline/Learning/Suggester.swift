import Aggregate
import Foundation
import Imaging

/// `cbr suggest`: which unlabelled photos to label next. Each photo is classified (retrieval under the
/// rule, or the head), scored by an `Uncertainty` measure, and the `count` most unsure are returned, most
/// unsure first; with `diverse`, they are picked by greedy k-center (`KCenter`) among the 2 × count most
/// unsure, so one scene photographed ten times does not fill the list.
public enum Suggester {
    public struct Options: Sendable {
        public var count: Int
        public var by: Uncertainty
        public var diverse: Bool
        public var rule: AggregationRule
        public var k: Int
        public var batchSize: Int
        public var threads: Int
        public var decode: DecodeMode

        public init(count: Int, by: Uncertainty = .margin, diverse: Bool = false, rule: AggregationRule = .max, k: Int = 50,
                    batchSize: Int = 32, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    decode: DecodeMode = .exact) {
            self.count = count
            self.by = by
            self.diverse = diverse
            self.rule = rule
            self.k = k
            self.batchSize = batchSize
            self.threads = threads
            self.decode = decode
        }
    }

    public struct Suggestion: Sendable {
        public var image: String
        public var score: Double
        public var top1: String
        public var top2: String
    }

    public struct Result: Sendable {
        public var suggestions: [Suggestion]
        /// The softmax temperature used (nil for `margin`).
        public var temperature: Float?
        public var classified: Int
    }

    public static func run(_ files: [DiskPath], index: URL, model: URL?, options: Options,
                           failure: (Dataset.Problem) throws -> Void) throws -> Result {
        let classifier = try Classifier(index: index, model: model, options: .init(
            top: options.k, k: options.k, rule: options.rule, batchSize: options.batchSize, threads: options.threads,
            decode: options.decode))
        let temperature = options.by.usesTemperature
            ? try TemperatureCalibration.calibrate(index: index, rule: options.rule, k: options.k, threads: options.threads)
            : nil
        let paths = files.map(\.description)
        var scored: [(image: Int, value: Double, top1: String, top2: String)] = []
        var embeddings: [Float] = []
        // The network's embeddings: on a whitened index, the projection's input, not the rows' dimension.
        let d = classifier.manifest.embeddingDimension
        let queries = SearchQueries(cluster: SingleProcess(), embedder: classifier.model.embedder(
            batchSize: options.batchSize, threads: options.threads, decode: options.decode),
            searchBatch: Classifier.Options().searchBatch, dimension: d)
        try queries.run(files.map(\.url), failure: { index, error in
            try failure(Dataset.Problem(path: paths[index], error: error))
        }) { batch in
            let rankings = try classifier.rank(batch.embeddings, count: batch.indices.count)
            for (n, (index, ranking)) in zip(batch.indices, rankings).enumerated() {
                let names = ranking.prefix(2).map { classifier.classes.name($0.classID) ?? "#\($0.classID)" }
                scored.append((index, options.by.value(ranking, temperature: temperature ?? 1),
                               names.first ?? "", names.dropFirst().first ?? ""))
                embeddings += batch.embeddings[(n * d)..<((n + 1) * d)]
            }
        }
        // Most unsure first; input order on a tie.
        let order = scored.indices.sorted {
            let a = scored[$0], b = scored[$1]
            return options.by.isMoreUnsure(a.value, than: b.value) || (a.value == b.value && a.image < b.image)
        }
        var picked = Array(order.prefix(options.count))
        if options.diverse {
            let pool = Array(order.prefix(2 * options.count))
            var rows = [Float](repeating: 0, count: pool.count * d)
            for (p, s) in pool.enumerated() { for i in 0..<d { rows[p * d + i] = embeddings[s * d + i] } }
            // The picks are places in `pool`, itself most unsure first: sorted places keep that order.
            picked = KCenter.select(rows, count: pool.count, dimension: d, picks: options.count).sorted().map { pool[$0] }
        }
        return Result(suggestions: picked.map { s in
            Suggestion(image: paths[scored[s].image], score: scored[s].value, top1: scored[s].top1, top2: scored[s].top2)
        }, temperature: temperature, classified: scored.count)
    }
}
