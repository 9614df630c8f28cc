import Aggregate
import Embedder
import Foundation
import ShardedIndex

/// Classification by retrieval over a built index: query embeddings are searched (exact top-k, or routed
/// by class with `Options.route`), each
/// query's neighbours are aggregated per class, and a threshold turns a weak best class into `unknown`.
/// Work is per batch of queries, so memory does not grow with the number of images classified.
public final class Classifier {
    public struct Options: Sendable {
        /// Classes reported per image.
        public var top: Int
        /// Neighbours retrieved per image.
        public var k: Int
        public var rule: AggregationRule
        /// Below this the first answer is `unknown` (on the rule's own scale).
        public var threshold: Float?
        /// Images per network batch.
        public var batchSize: Int
        /// Queries gathered before one search of the index. A search streams every row of a large index
        /// once, whatever the number of queries, so searching per network batch would re-read a
        /// landmark-scale index every 32 images; 1024 queries hold only 5 MB of embeddings.
        public var searchBatch: Int
        public var threads: Int
        /// Class-routed search (nil: exact search, the default): rank only the rows of each query's best
        /// classes by prototype score (docs/routing.md).
        public var route: Route?

        public init(top: Int = 5, k: Int = 50, rule: AggregationRule = .max, threshold: Float? = nil,
                    batchSize: Int = 32, searchBatch: Int = 1024,
                    threads: Int = ProcessInfo.processInfo.activeProcessorCount, route: Route? = nil) {
            self.top = top
            self.k = k
            self.rule = rule
            self.threshold = threshold
            self.batchSize = batchSize
            self.searchBatch = searchBatch
            self.threads = threads
            self.route = route
        }
    }

    /// Indexes up to this many bytes of embeddings are loaded in memory; larger ones are streamed per batch.
    public static let inMemoryLimit = 2 << 30

    public let index: URL
    public let manifest: Manifest
    public let model: EmbeddingModel
    public let classes: ClassTable
    public let options: Options
    private let reader: ShardedIndexReader
    private let prototypes: InMemoryRows?
    private let mask: LabelMask
    /// The router and the number of classes routed per query, when `options.route` is set.
    private let routing: (router: ClassRouter, classes: Int)?
    /// What `--route auto` measured (nil otherwise).
    public let routeCalibration: RouteCalibration.Outcome?

    /// `prototypes`: load the class prototypes even when `options.rule` does not use them (for `rank(rules:)`).
    public init(index: URL, model explicit: URL?, options: Options, prototypes wanted: Bool = false) throws {
        // The same limits as the command line's, for callers of the library (a batch of 0 would trap).
        try Limits.check(options.k, "k", Limits.neighbours)
        try Limits.check(options.top, "top", Limits.top)
        try Limits.check(options.batchSize, "batch size", Limits.batch)
        try Limits.check(options.threads, "threads", Limits.threads)
        try Limits.check(options.searchBatch, "search batch", Limits.searchBatch)
        try Limits.checkFinite(options.threshold, "threshold")
        let manifest = try Manifest.load(from: index)
        let bytes = manifest.rowCount * manifest.dimension * manifest.dtype.byteWidth
        reader = try ShardedIndexReader(directory: index, mode: bytes <= Self.inMemoryLimit ? .inMemory : .streaming)
        self.index = index
        self.manifest = reader.manifest
        self.options = options
        model = try EmbeddingModel.forIndex(reader.manifest, index: index, explicit: explicit)
        classes = ClassTable(reader.manifest.classes.filter { !$0.removed }.map { ($0.id, $0.name) })
        mask = LabelMask(removed: reader.removedMask)
        if let route = options.route {
            let router = try ClassRouter(index: reader)
            switch route {
            case .classes(let c):
                routing = (router, c)
                routeCalibration = nil
            case .auto:
                let outcome = try RouteCalibration.pick(in: reader, router: router, mask: mask, threads: options.threads)
                routing = (router, outcome.classes)
                routeCalibration = outcome
            }
        } else {
            routing = nil
            routeCalibration = nil
        }
        if options.rule.usesPrototypes || wanted {
            prototypes = try InMemoryRows(float32: try reader.prototypes(),
                                          labels: (0..<Int32(reader.manifest.classes.count)).map { $0 },
                                          dimension: reader.manifest.dimension)
        } else {
            prototypes = nil
        }
    }

    /// The routed search in one phrase (nil for exact search): `C classes per query`, and for `auto` what
    /// the calibration measured.
    public var routeDescription: String? {
        guard let routing else { return nil }
        let unit = routing.classes == 1 ? "class" : "classes"
        guard let calibration = routeCalibration else { return "\(routing.classes) \(unit) per query" }
        return "\(routing.classes) \(unit) per query (auto: top-1 agreement \(String(format: "%.3f", calibration.agreement)) "
            + "with exact search on \(calibration.sampled) index rows)"
    }

    /// Each query's ranking of classes (best first, at most `top`), for `count` L2-normalized embeddings.
    public func rank(_ embeddings: [Float], count: Int) throws -> [[ClassScore]] {
        try rank(embeddings, count: count, rules: [options.rule], top: options.top)[0]
    }

    /// The rankings under each of `rules` (one search over the rows, one over the prototypes if needed).
    public func rank(_ embeddings: [Float], count: Int, rules: [AggregationRule], top: Int) throws -> [[[ClassScore]]] {
        let search = SearchOptions(k: options.k, threads: options.threads, mask: mask)
        var rows: SearchResults?
        var centres: SearchResults?
        return try rules.map { rule in
            let results: SearchResults
            if rule.usesPrototypes {
                guard let prototypes else {
                    throw PipelineError(file: index.path, reason: .prototypesNotLoaded)
                }
                if centres == nil { centres = try ExactSearch.search(queries: embeddings, in: prototypes, options: search) }
                results = centres!
            } else {
                if rows == nil {
                    if let routing {
                        rows = try RoutedSearch.search(queries: embeddings, in: reader, router: routing.router,
                                                       classes: routing.classes, options: search)
                    } else {
                        rows = try ExactSearch.search(queries: embeddings, in: reader, options: search)
                    }
                }
                results = rows!
            }
            return Self.rank(results, count: count, aggregator: Aggregator(rule: rule, classes: classes), top: top)
        }
    }

    /// Rankings of every query of `results`.
    static func rank(_ results: SearchResults, count: Int, aggregator: Aggregator, top: Int) -> [[ClassScore]] {
        var aggregator = aggregator
        var neighbours: [ClassScore] = []
        neighbours.reserveCapacity(results.k)
        return (0..<count).map { query in
            neighbours.removeAll(keepingCapacity: true)
            for i in (query * results.k)..<((query + 1) * results.k) where results.labels[i] >= 0 {
                neighbours.append(ClassScore(classID: results.labels[i], score: results.scores[i]))
            }
            return aggregator.rank(neighbours, top: top)
        }
    }

    /// The predictions of a ranking: `unknown` first when the best score is below the threshold.
    public func predictions(_ ranking: [ClassScore]) -> [(name: String, score: Float)] {
        UnknownRejection.predictions(ranking, top: options.top, rejection: options.threshold.map(UnknownRejection.init))
            .map { (classes.label($0), $0.score) }
    }

    /// Classifies the images at `files` batch by batch: `result` gets each decoded image's path (as given)
    /// and predictions in input order, `failure` each image that could not be decoded. Returns the number
    /// of failures.
    @discardableResult
    public func classify(_ files: [DiskPath], progress: Bool = isatty(STDERR_FILENO) == 1,
                         result: (String, [(name: String, score: Float)]) throws -> Void,
                         failure: (Dataset.Problem) throws -> Void) throws -> Int {
        let paths = files.map(\.description)
        let meter = ProgressLine(total: paths.count, label: "classifying", enabled: progress)
        let d = manifest.dimension
        var failures = 0
        var pending: [Float] = []
        var pendingPaths: [Int] = []
        pending.reserveCapacity(options.searchBatch * d)
        func searchPending() throws {
            guard !pendingPaths.isEmpty else { return }
            for (index, ranking) in zip(pendingPaths, try rank(pending, count: pendingPaths.count)) {
                try result(paths[index], predictions(ranking))
            }
            meter.advance(by: pendingPaths.count)
            pending.removeAll(keepingCapacity: true)
            pendingPaths.removeAll(keepingCapacity: true)
        }
        try model.embedder(batchSize: options.batchSize, threads: options.threads).run(files.map(\.url)) { batch in
            // A failed image is reported at once; its neighbours' results follow at the next search, in input order.
            for f in batch.failures { try failure(Dataset.Problem(path: paths[f.index], error: f.error)) }
            failures += batch.failures.count
            meter.advance(by: batch.failures.count)
            pending.append(contentsOf: batch.embeddings.prefix(batch.count * d))
            pendingPaths.append(contentsOf: batch.indices)
            if pendingPaths.count >= options.searchBatch { try searchPending() }
        }
        try searchPending()
        meter.finish()
        return failures
    }
}
