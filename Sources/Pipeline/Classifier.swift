import Aggregate
import Embedder
import Foundation
import Imaging
import ShardedIndex

/// Classification by retrieval over a built index: query embeddings are searched (exact top-k, or routed
/// by class with `Options.route`), each
/// query's neighbours are aggregated per class, and a threshold turns a weak best class into `unknown`.
/// Work is per batch of queries, so memory does not grow with the number of images classified.
///
/// On a cluster of several ranks (`cbr-mpi`), each rank opens only its shards (`ShardAssignment`), the
/// query images of each search batch are split among the ranks to embed and then shared, every rank
/// searches its shards, and rank 0 merges the lists, aggregates and reports; the other ranks report only
/// the images they failed to decode.
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
        /// How query images are decoded (`--decode`).
        public var decode: DecodeMode
        /// Class-routed search (nil: exact search, the default): rank only the rows of each query's best
        /// classes by prototype score (docs/routing.md).
        public var route: Route?
        /// Answers only from these classes (`--classes`, `--exclude-classes`): a mask in the search.
        public var filter: ClassFilter
        /// Indexed images reported behind each predicted class (`--explain N`): its best neighbours among
        /// the query's `k`. 0: none.
        public var explain: Int
        /// α-weighted query expansion (`--qe N[:α]`; nil: none, the default): rules over index rows search
        /// again with each query plus its best neighbours (one process only).
        public var expansion: QueryExpansion?

        public init(top: Int = 5, k: Int = 50, rule: AggregationRule = .max, threshold: Float? = nil,
                    batchSize: Int = 32, searchBatch: Int = 1024,
                    threads: Int = ProcessInfo.processInfo.activeProcessorCount, decode: DecodeMode = .exact,
                    route: Route? = nil, filter: ClassFilter = ClassFilter(), explain: Int = 0,
                    expansion: QueryExpansion? = nil) {
            self.expansion = expansion
            self.decode = decode
            self.filter = filter
            self.explain = explain
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

    /// Indexes (a rank's part of them) up to this many bytes of embeddings are loaded in memory; larger
    /// ones are streamed per batch.
    public static let inMemoryLimit = 2 << 30

    public let index: URL
    public let manifest: Manifest
    public let model: EmbeddingModel
    public let classes: ClassTable
    public let options: Options
    public let cluster: any Cluster
    private let reader: ShardedIndexReader
    private let prototypes: InMemoryRows?
    /// The removed classes and those the filter leaves out.
    public let mask: LabelMask
    /// The index's whitening (`cbr index whiten`): every query goes through it before a search.
    public let projection: Projection?
    /// The router and the number of classes routed per query, when `options.route` is set.
    public let routing: ResolvedRoute?
    /// The ids of explained rows, read shard by shard as explanations need them.
    private lazy var rowIDs = RowIDs(reader)
    /// A trained head (`--head`, `useHead`): classes are scored by it instead of by retrieval.
    public internal(set) var head: HeadRanking?

    /// `prototypes`: load the class prototypes even when `options.rule` does not use them (for `rank(rules:)`).
    /// `cluster`: the ranks sharing the work (one process by default); every rank constructs its classifier.
    public init(index: URL, model explicit: URL?, options: Options, prototypes wanted: Bool = false,
                cluster: any Cluster = SingleProcess()) throws {
        // The same limits as the command line's, for callers of the library (a batch of 0 would trap).
        try Limits.check(options.k, "k", Limits.neighbours)
        try Limits.check(options.top, "top", Limits.top)
        try Limits.check(options.batchSize, "batch size", Limits.batch)
        try Limits.check(options.threads, "threads", Limits.threads)
        try Limits.check(options.searchBatch, "search batch", Limits.searchBatch)
        try Limits.checkFinite(options.threshold, "threshold")
        try Limits.check(options.explain, "explain", Limits.explain)
        // Rank 0 reads the ids of rows every rank found; a rank's reader holds only its own shards.
        if options.explain > 0 && cluster.size > 1 {
            throw CLIError.usage("--explain needs one rank (it reads the ids of every rank's rows)")
        }
        if options.expansion != nil, cluster.size > 1 {
            throw PipelineError(file: index.path, reason: .unusable("query expansion (--qe) runs in one process only, not under cbr-mpi"))
        }
        reader = try ShardedIndexReader.part(of: index, cluster: cluster, inMemory: nil, inMemoryLimit: Self.inMemoryLimit)
        self.cluster = cluster
        self.index = index
        self.manifest = reader.manifest
        self.options = options
        model = try EmbeddingModel.forIndex(reader.manifest, index: index, explicit: explicit)
        classes = ClassTable(reader.manifest.classes.filter { !$0.removed }.map { ($0.id, $0.name) })
        projection = try Projection.of(reader.manifest, in: index)
        let mask = try options.filter.mask(for: reader.manifest)
        self.mask = mask
        if let route = options.route {
            routing = try ResolvedRoute(route, reader: reader, mask: mask, threads: options.threads, cluster: cluster)
        } else {
            routing = nil
        }
        // Rank 0 alone searches the prototypes (classes × d: small).
        if (options.rule.usesPrototypes || wanted) && cluster.isRoot {
            prototypes = try InMemoryRows(float32: try reader.prototypes(),
                                          labels: (0..<Int32(reader.manifest.classes.count)).map { $0 },
                                          dimension: reader.manifest.dimension)
        } else {
            prototypes = nil
        }
    }

    /// The routed search in one phrase (nil for exact search): `C classes per query`, and for `auto` what
    /// the calibration measured.
    public var routeDescription: String? { routing?.description }

    /// Each query's ranking of classes (best first, at most `top`), for `count` L2-normalized embeddings.
    /// On a cluster: collective, with the same embeddings on every rank; the rankings are rank 0's, the
    /// other ranks get none.
    public func rank(_ embeddings: [Float], count: Int) throws -> [[ClassScore]] {
        try rank(embeddings, count: count, rules: [options.rule], top: options.top)[0]
    }

    /// The rankings under each of `rules` (one search over the rows, one over the prototypes if needed).
    /// On a cluster: collective (every rank searches its shards, rank 0 merges and aggregates); ranks other
    /// than 0 get an empty ranking list per rule.
    public func rank(_ embeddings: [Float], count: Int, rules: [AggregationRule], top: Int) throws -> [[[ClassScore]]] {
        try rankAndRows(embeddings, count: count, rules: rules, top: top, keepRows: false).rankings
    }

    /// The rankings under each of `rules` (or the head's, when one is used), and the neighbouring rows when a
    /// rule used them or `keepRows` asked for them (rank 0 only).
    private func rankAndRows(_ embeddings: [Float], count: Int, rules: [AggregationRule], top: Int,
                             keepRows: Bool) throws -> (rankings: [[[ClassScore]]], rows: SearchResults?) {
        let embeddings = project(embeddings)
        if let head {
            // The head scores the classes; the rows are searched only to explain its answers.
            let rows = keepRows ? try searchProjected(embeddings, k: options.k, mask: mask, rows: true, prototypes: false).rows : nil
            guard cluster.isRoot else { return (rules.map { _ in [] }, nil) }
            return (rules.map { _ in head.rank(embeddings, count: count, top: top) }, rows)
        }
        // Every rank makes the same collective calls: the rules are the same everywhere.
        let found = try searchProjected(embeddings, k: options.k, mask: mask,
                                        rows: keepRows || rules.contains { !$0.usesPrototypes },
                                        prototypes: rules.contains { $0.usesPrototypes })
        guard cluster.isRoot else { return (rules.map { _ in [] }, nil) }
        let rankings = rules.map { rule in
            let results = (rule.usesPrototypes ? found.prototypes : found.rows) ?? SearchResults(queryCount: 0, k: options.k)
            return Self.rank(results, count: count, aggregator: Aggregator(rule: rule, classes: classes), top: top)
        }
        return (rankings, found.rows)
    }

    /// The `k` best index rows (when `rows`) and class prototypes (when `prototypes`) of each query (the
    /// network's embeddings: the index's whitening, if any, is applied here), rows of the classes in `mask`
    /// skipped; with `options.expansion`, the rows of a second search with the expanded queries. On a cluster:
    /// collective; the merged lists are rank 0's.
    public func search(_ embeddings: [Float], k: Int, mask: LabelMask, rows: Bool, prototypes: Bool) throws
        -> (rows: SearchResults?, prototypes: SearchResults?) {
        try searchProjected(project(embeddings), k: k, mask: mask, rows: rows, prototypes: prototypes)
    }

    /// Embeddings in the index's space: through its whitening when it has one.
    private func project(_ embeddings: [Float]) -> [Float] {
        guard let projection else { return embeddings }
        return projection.apply(embeddings, count: embeddings.count / max(1, projection.inputDimension))
    }

    /// `search` of embeddings already in the index's space.
    private func searchProjected(_ embeddings: [Float], k: Int, mask: LabelMask, rows: Bool, prototypes: Bool) throws
        -> (rows: SearchResults?, prototypes: SearchResults?) {
        let search = SearchOptions(k: k, threads: options.threads, mask: mask)
        var found: (rows: SearchResults?, prototypes: SearchResults?) = (nil, nil)
        if rows {
            func searchRows(_ queries: [Float]) throws -> SearchResults? {
                let partial = try routing?.search(queries, in: reader, options: search)
                    ?? ExactSearch.search(queries: queries, in: reader, options: search)
                return try SearchGather.merged(partial, cluster: cluster, rowCount: manifest.rowCount,
                                               classCount: manifest.classes.count)
            }
            var results = try searchRows(embeddings)
            if let expansion = options.expansion, let first = results {
                let expanded = try expansion.expand(embeddings, count: embeddings.count / manifest.dimension,
                                                    dimension: manifest.dimension, results: first,
                                                    rows: { try reader.rows(at: $0) })
                results = try searchRows(expanded)
            }
            found.rows = results
        }
        if prototypes && cluster.isRoot {
            guard let centres = self.prototypes else { throw PipelineError(file: index.path, reason: .prototypesNotLoaded) }
            found.prototypes = try ExactSearch.search(queries: embeddings, in: centres, options: search)
        }
        return found
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
        rejected(ranking).map { (classes.label($0), $0.score) }
    }

    /// A ranking after unknown rejection, at most `top` long.
    private func rejected(_ ranking: [ClassScore]) -> [Prediction] {
        UnknownRejection.predictions(ranking, top: options.top, rejection: options.threshold.map(UnknownRejection.init))
    }

    /// Classifies the images at `files` search batch by search batch: `result` gets each decoded image's
    /// path (as given) and predictions in input order, `failure` each image that could not be decoded.
    /// Returns the number of failures. On a cluster: collective, with the same files on every rank; rank 0
    /// gets every result, each rank the failures of the images it decoded (and counts only those).
    @discardableResult
    public func classify(_ files: [DiskPath], progress: Bool = isatty(STDERR_FILENO) == 1,
                         result: (String, [(name: String, score: Float)]) throws -> Void,
                         failure: (Dataset.Problem) throws -> Void) throws -> Int {
        try classify(files, progress: progress, answer: { try result($0.image, $0.predictions) }, failure: failure)
    }

    /// `classify(_:progress:result:failure:)` with each image's whole answer: its predictions and, with
    /// `options.explain`, the indexed images behind each.
    @discardableResult
    public func classify(_ files: [DiskPath], progress: Bool = isatty(STDERR_FILENO) == 1,
                         answer: (Answer) throws -> Void,
                         failure: (Dataset.Problem) throws -> Void) throws -> Int {
        let paths = files.map(\.description)
        let meter = ProgressLine(total: paths.count, label: "classifying", enabled: progress && cluster.isRoot)
        var failures = 0
        let queries = SearchQueries(cluster: cluster, embedder: model.embedder(batchSize: options.batchSize, threads: options.threads,
                                                                               decode: options.decode),
                                    searchBatch: options.searchBatch, dimension: manifest.embeddingDimension)
        try queries.run(files.map(\.url), failure: { index, error in
            // A failed image is reported at once; its neighbours' results follow at the end of the search batch.
            failures += 1
            try failure(Dataset.Problem(path: paths[index], error: error))
        }) { batch in
            let found = try rankAndRows(batch.embeddings, count: batch.indices.count, rules: [options.rule],
                                        top: options.top, keepRows: options.explain > 0)
            for (query, (index, ranking)) in zip(batch.indices, found.rankings.first ?? []).enumerated() {
                let predictions = rejected(ranking)
                let evidence = try found.rows.map { rows in
                    try Self.evidence(for: predictions, among: rows.neighbors(of: query).filter { !$0.isPadding },
                                      count: options.explain, id: { try rowIDs.id(of: $0) })
                } ?? []
                try answer(Answer(image: paths[index], predictions: predictions.map { (classes.label($0), $0.score) },
                                  evidence: evidence))
            }
            meter.advance(by: batch.files.count)
        }
        meter.finish()
        return failures
    }
}
