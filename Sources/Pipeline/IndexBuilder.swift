import Embedder
import Foundation
import Imaging
import ShardedIndex

/// Bulk indexing: a dataset's images are embedded in batches (decoding overlapped with the network) and
/// collected into shard files, which rank 0's `IndexWriter` adopts one at a time (with one process, rank 0
/// writes and adopts them all). Bad images are skipped and reported by the rank that met them.
///
/// Modes: `create` makes a new index (refuses an existing one); `resume` continues an interrupted build
/// (or starts one); `add` adds to an existing index. In `resume` and `add` the ids already committed are
/// skipped, so no image is embedded twice and no row is duplicated; a killed run loses at most the rows
/// of the shard being filled. Every row records its file's content fingerprint (`ContentFingerprint`):
/// `add` compares it with the file now at that path, counts the files that changed, and with `replace`
/// re-embeds them and then drops their old rows (see `Replacement`).
public enum IndexBuilder {
    public enum Mode: String, Sendable { case create, resume, add }

    public struct Options: Sendable {
        public var mode: Mode
        public var dtype: ScalarType
        public var batchSize: Int
        public var threads: Int
        /// Rows per shard (default: the writer's 256 MB of embeddings).
        public var shardRows: Int?
        /// How images are decoded (`--decode`).
        public var decode: DecodeMode
        /// `add --replace`: re-embed the files whose content differs from what their row was embedded from.
        public var replace: Bool
        /// How photos are embedded around the network (`--pool`, `--flip`, `--scales`): recorded by a new
        /// index; for an existing one, nil follows its record and anything else must equal it.
        public var descriptor: Descriptor?

        public init(mode: Mode = .create, dtype: ScalarType = .float32, batchSize: Int = 32,
                    threads: Int = ProcessInfo.processInfo.activeProcessorCount, shardRows: Int? = nil,
                    decode: DecodeMode = .exact, replace: Bool = false, descriptor: Descriptor? = nil) {
            self.decode = decode
            self.replace = replace
            self.descriptor = descriptor
            self.mode = mode
            self.dtype = dtype
            self.batchSize = batchSize
            self.threads = threads
            self.shardRows = shardRows
        }
    }

    public struct Summary: Sendable {
        /// Rows added by this run.
        public var indexed = 0
        /// Images of the dataset whose id the index already held (resume / add), with the same content (add).
        public var alreadyIndexed = 0
        /// `add`: images whose file differs from what their row was embedded from, kept as indexed (no `replace`).
        public var changed = 0
        /// `add --replace`: images re-embedded because their file changed, whose old rows were dropped.
        public var replaced = 0
        /// Entries that were not indexed, with the reason (dataset problems, undecodable images, duplicates).
        public var skipped: [Dataset.Problem] = []
        /// Live classes and rows in the index afterwards.
        public var classes = 0
        public var rows = 0
        public var seconds = 0.0
        /// Time from the first decode to the last commit (model loading and the resume scan left out).
        public var indexingSeconds = 0.0
        public var imagesPerSecond: Double { indexingSeconds > 0 ? Double(indexed) / indexingSeconds : 0 }
        /// Entries other ranks failed to index (each listed on that rank's standard error).
        public var skippedOnOtherRanks = 0

        public var report: String {
            let notes = (alreadyIndexed > 0 ? ["\(alreadyIndexed) already in the index"] : [])
                + (replaced > 0 ? ["\(replaced) replaced"] : [])
            var lines = ["indexed \(indexed) images"
                + (notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")")
                + String(format: " in %.1f s (%.1f images/s); index: %d rows, %d classes",
                         seconds, imagesPerSecond, rows, classes)]
            if changed > 0 {
                lines.append("\(changed) changed since indexed, kept as indexed (`index add --replace` re-embeds them)")
            }
            let skippedCount = skipped.count + skippedOnOtherRanks
            if skippedCount > 0 { lines.append("skipped \(skippedCount) (listed on stderr)") }
            return lines.joined(separator: "\n")
        }
    }

    /// Indexes `dataset` into `index` on every rank of `cluster` (see Distributed/BuildPlan.swift): rank 0
    /// opens the index and plans the work, each rank embeds its share into shard files of its own, and
    /// rank 0 adopts them into the manifest. On rank 0 the summary holds the totals; elsewhere, that rank's
    /// share. `model` nil means: the path the index records (resume / add), else the default model file.
    public static func run(_ dataset: Dataset, index: URL, model modelURL: URL?, options: Options,
                           cluster: any Cluster = SingleProcess(),
                           progress: Bool = isatty(STDERR_FILENO) == 1) throws -> Summary {
        let clock = Date()
        var summary = Summary()
        var opened: (writer: IndexWriter, model: EmbeddingModel)?
        var rootPlan: BuildPlan?
        var replacement = Replacement()
        if cluster.isRoot {
            let (writer, model) = try open(index, model: modelURL, options: options)
            opened = (writer, model)
            (rootPlan, replacement) = try plan(dataset, writer: writer, options: options, summary: &summary)
        }
        let plan = try BuildPlan.broadcast(rootPlan, dataset: dataset, over: cluster)
        let model = try opened?.model ?? EmbeddingModel.forIndex(plan.manifest, index: index, explicit: modelURL)
        let shards = try DetachedShardWriter(directory: index, dimension: plan.manifest.dimension, dtype: plan.manifest.dtype,
                                             classCount: plan.manifest.classes.count, rowsPerShard: plan.header.rowsPerShard,
                                             first: plan.manifest.nextShard + cluster.rank, stride: cluster.size)
        // A whitened index stores rows projected by its projection (`cbr index whiten`): new rows go through it.
        let projection = try Projection.of(plan.manifest, in: index)
        let collector = opened.map {
            BuildShardCollector(writer: $0.writer, cluster: cluster, work: plan.work.lazy.map { dataset.items[$0].key })
        }
        // This rank's items: positions in the work list.
        let mine = Array(BuildPlan.share(of: plan.work.count, rank: cluster.rank, size: cluster.size))
        func item(_ k: Int) -> Dataset.Item { dataset.items[plan.work[mine[k]]] }
        var tally = BuildTally()
        func deliver(_ entries: [Manifest.Shard]) throws {
            for entry in entries {
                if let collector { try collector.adoptOwn(entry) } else {
                    try cluster.send(try ClusterCoding.encode(BuildMessage.shard(entry)), to: 0)
                }
            }
            tally.shards += entries.count
        }

        let meter = ProgressLine(total: mine.count, label: "indexing", enabled: progress && cluster.isRoot)
        let indexingStart = Date()
        let embedder = model.embedder(batchSize: max(1, options.batchSize), threads: max(1, options.threads),
                                      decode: options.decode)
        try embedder.run(mine.indices.map { item($0).file.url }) { batch in
            for failure in batch.failures {
                summary.skipped.append(Dataset.Problem(path: item(failure.index).path, error: failure.error))
            }
            tally.failed += batch.failures.count
            if batch.count > 0 {
                let embeddings = projection?.apply(batch.embeddings, count: batch.count) ?? batch.embeddings
                // The files were just read to embed them: hashing them again comes from the page cache.
                let sources = ContentFingerprint.of(batch.indices.map { item($0).file }, threads: max(1, options.threads))
                try embeddings.withUnsafeBufferPointer { rows in
                    try deliver(shards.append(rows: rows, classIDs: batch.indices.map { plan.labels[mine[$0]] },
                                              ids: batch.indices.map { item($0).key },
                                              sources: sources.map { (try? $0.get()) ?? "" }))
                }
                tally.indexed += batch.count
            }
            try collector?.drain()
            meter.advance(by: batch.count + batch.failures.count)
        }
        try deliver(shards.finish().map { [$0] } ?? [])
        guard let collector, let writer = opened?.writer else {
            try cluster.send(try ClusterCoding.encode(BuildMessage.done(tally)), to: 0)
            summary.indexed = tally.indexed
            summary.seconds = Date().timeIntervalSince(clock)
            return summary
        }
        let totals = try collector.collect(own: tally)
        try writer.finish()
        summary.replaced = try replacement.dropOldRows(from: writer, before: plan.manifest)
        try writer.removeEmptyClasses()
        summary.indexingSeconds = Date().timeIntervalSince(indexingStart)
        meter.finish()
        summary.indexed = totals.indexed
        summary.skippedOnOtherRanks = totals.failed - tally.failed
        summary.rows = writer.manifest.rowCount
        summary.classes = writer.manifest.classes.filter { !$0.removed }.count
        summary.seconds = Date().timeIntervalSince(clock)
        return summary
    }

    /// Rank 0: the index opened (or created) for `options.mode`, and the model that embeds for it.
    private static func open(_ index: URL, model modelURL: URL?, options: Options) throws -> (IndexWriter, EmbeddingModel) {
        let exists = FileManager.default.fileExists(atPath: Manifest.url(in: index).path)
        func shardLimit(_ dimension: Int, _ dtype: ScalarType) -> Int {
            options.shardRows.map { max(1, $0) * dimension * dtype.byteWidth } ?? IndexWriter.defaultShardSizeLimit
        }
        switch (options.mode, exists) {
        case (.create, true):
            throw PipelineError(file: index.path, reason: .indexExists)
        case (.add, false):
            throw PipelineError(file: index.path, reason: .noIndex)
        case (.create, false), (.resume, false):
            var model = try EmbeddingModel.load(modelURL ?? EmbeddingModel.defaultURL)
            model.descriptor = options.descriptor ?? .standard
            let writer = try IndexWriter.create(at: index, dimension: model.dimension, dtype: options.dtype,
                                                model: model.identity, descriptor: model.recordedDescriptor,
                                                shardSizeLimit: shardLimit(model.dimension, options.dtype))
            return (writer, model)
        case (.resume, true), (.add, true):
            let manifest = try Manifest.load(from: index)
            let model = try EmbeddingModel.forIndex(manifest, index: index, explicit: modelURL)
            if let asked = options.descriptor, asked != model.descriptor {
                throw PipelineError(file: index.path, reason: .descriptorMismatch(asked: "\(asked)", recorded: "\(model.descriptor)"))
            }
            let writer = try IndexWriter.open(at: index, shardSizeLimit: shardLimit(manifest.dimension, manifest.dtype))
            return (writer, model)
        }
    }

    /// Rank 0: the dataset's items not committed yet (ids already in the index, items without a class and
    /// repeated ids are counted or listed in `summary`), with every class they name registered in dataset
    /// order, so that class ids do not depend on which rank embeds what. In `add` mode an item whose id is
    /// committed is fingerprinted: unchanged, it is already in; changed, it is counted, or with `replace`
    /// planned again, its old rows to be dropped once the new one is in.
    private static func plan(_ dataset: Dataset, writer: IndexWriter, options: Options,
                             summary: inout Summary) throws -> (BuildPlan, Replacement) {
        summary.skipped = dataset.problems
        var committed = Set<String>()
        var replacement = Replacement()
        if options.mode == .add {
            let rows = try writer.committedRows(withIDs: Set(dataset.items.lazy.map(\.key)))
            let checked = dataset.items.filter { rows[$0.key] != nil }
            let fingerprints = ContentFingerprint.of(checked.map(\.file), threads: max(1, options.threads))
            for (item, fingerprint) in zip(checked, fingerprints) {
                switch fingerprint {
                case .failure(let error):
                    // Kept as indexed; the file now at that path cannot be read.
                    summary.skipped.append(Dataset.Problem(path: item.path, error: error))
                    committed.insert(item.key)
                case .success(let content):
                    switch replacement.plan(item.key, rows: rows[item.key] ?? [], content: content, replace: options.replace) {
                    case .unchanged: summary.alreadyIndexed += 1
                    case .changed: summary.changed += 1
                    case .reembed: continue
                    }
                    committed.insert(item.key)
                }
            }
        } else {
            committed = try writer.committedIDs()
        }
        var seen = Set<String>()
        var work: [Int] = []
        var labels: [Int32] = []
        for (index, item) in dataset.items.enumerated() {
            if committed.contains(item.key) {
                if options.mode != .add { summary.alreadyIndexed += 1 }
            } else if let label = dataset.className(of: item) {
                if seen.insert(item.key).inserted {
                    work.append(index)
                    labels.append(writer.classID(for: label))
                } else {
                    summary.skipped.append(Dataset.Problem(path: item.path, reason: "duplicate id \(item.key)"))
                }
            } else {
                summary.skipped.append(Dataset.Problem(path: item.path, reason: "no class (a labelled dataset is needed)"))
            }
        }
        let header = BuildPlan.Header(manifest: writer.manifest, rowsPerShard: writer.rowsPerShard,
                                      datasetItems: dataset.items.count, datasetDigest: BuildPlan.digest(dataset))
        return (BuildPlan(header: header, work: work, labels: labels), replacement)
    }
}
