import Embedder
import Foundation
import Imaging
import ShardedIndex

/// Bulk indexing: a dataset's images are embedded in batches (decoding overlapped with the network) and
/// appended to an `IndexWriter`, which commits a shard at a time. Bad images are skipped and reported.
///
/// Modes: `create` makes a new index (refuses an existing one); `resume` continues an interrupted build
/// (or starts one); `add` adds to an existing index. In `resume` and `add` the ids already committed are
/// skipped, so no image is embedded twice and no row is duplicated; a killed run loses at most the rows
/// of the shard being filled.
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

        public init(mode: Mode = .create, dtype: ScalarType = .float32, batchSize: Int = 32,
                    threads: Int = ProcessInfo.processInfo.activeProcessorCount, shardRows: Int? = nil,
                    decode: DecodeMode = .exact) {
            self.decode = decode
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
        /// Images of the dataset whose id the index already held (resume / add).
        public var alreadyIndexed = 0
        /// Entries that were not indexed, with the reason (dataset problems, undecodable images, duplicates).
        public var skipped: [Dataset.Problem] = []
        /// Live classes and rows in the index afterwards.
        public var classes = 0
        public var rows = 0
        public var seconds = 0.0
        /// Time from the first decode to the last commit (model loading and the resume scan left out).
        public var indexingSeconds = 0.0
        public var imagesPerSecond: Double { indexingSeconds > 0 ? Double(indexed) / indexingSeconds : 0 }

        public var report: String {
            var lines = ["indexed \(indexed) images"
                + (alreadyIndexed > 0 ? " (\(alreadyIndexed) already in the index)" : "")
                + String(format: " in %.1f s (%.1f images/s); index: %d rows, %d classes",
                         seconds, imagesPerSecond, rows, classes)]
            if !skipped.isEmpty { lines.append("skipped \(skipped.count) (listed on stderr)") }
            return lines.joined(separator: "\n")
        }
    }

    /// Indexes `dataset` into `index`. `model` nil means: the path the index records (resume / add), else
    /// the default model file.
    public static func run(_ dataset: Dataset, index: URL, model modelURL: URL?, options: Options,
                           progress: Bool = isatty(STDERR_FILENO) == 1) throws -> Summary {
        let clock = Date()
        let exists = FileManager.default.fileExists(atPath: Manifest.url(in: index).path)
        let model: EmbeddingModel
        let writer: IndexWriter
        func shardLimit(_ dimension: Int, _ dtype: ScalarType) -> Int {
            options.shardRows.map { max(1, $0) * dimension * dtype.byteWidth } ?? IndexWriter.defaultShardSizeLimit
        }
        switch (options.mode, exists) {
        case (.create, true):
            throw PipelineError(file: index.path, reason: .indexExists)
        case (.add, false):
            throw PipelineError(file: index.path, reason: .noIndex)
        case (.create, false), (.resume, false):
            model = try EmbeddingModel.load(modelURL ?? EmbeddingModel.defaultURL)
            writer = try IndexWriter.create(at: index, dimension: model.dimension, dtype: options.dtype,
                                            model: model.identity,
                                            shardSizeLimit: shardLimit(model.dimension, options.dtype))
        case (.resume, true), (.add, true):
            let manifest = try Manifest.load(from: index)
            model = try EmbeddingModel.forIndex(manifest, index: index, explicit: modelURL)
            writer = try IndexWriter.open(at: index, shardSizeLimit: shardLimit(manifest.dimension, manifest.dtype))
        }

        var summary = Summary()
        summary.skipped = dataset.problems
        let committed = try writer.committedIDs()
        var seen = Set<String>()
        var todo: [Dataset.Item] = []
        for item in dataset.items {
            if committed.contains(item.key) {
                summary.alreadyIndexed += 1
            } else if item.label == nil {
                summary.skipped.append(Dataset.Problem(path: item.path, reason: "no class (a labelled dataset is needed)"))
            } else if !seen.insert(item.key).inserted {
                summary.skipped.append(Dataset.Problem(path: item.path, reason: "duplicate id \(item.key)"))
            } else {
                todo.append(item)
            }
        }

        let meter = ProgressLine(total: todo.count, label: "indexing", enabled: progress)
        let indexingStart = Date()
        let embedder = model.embedder(batchSize: max(1, options.batchSize), threads: max(1, options.threads),
                                      decode: options.decode)
        try embedder.run(todo.map(\.file.url)) { batch in
            for failure in batch.failures {
                summary.skipped.append(Dataset.Problem(path: todo[failure.index].path, error: failure.error))
            }
            if batch.count > 0 {
                let items = batch.indices.map { todo[$0] }
                try batch.embeddings.withUnsafeBufferPointer { rows in
                    try writer.append(rows: rows, classNames: items.map { dataset.classNames[Int($0.label!)] },
                                      ids: items.map(\.key))
                }
                summary.indexed += items.count
            }
            meter.advance(by: batch.count + batch.failures.count)
        }
        try writer.finish()
        summary.indexingSeconds = Date().timeIntervalSince(indexingStart)
        meter.finish()
        summary.rows = writer.manifest.rowCount
        summary.classes = writer.manifest.classes.filter { !$0.removed }.count
        summary.seconds = Date().timeIntervalSince(clock)
        return summary
    }
}
