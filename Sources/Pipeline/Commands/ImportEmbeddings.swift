import Foundation
import ShardedIndex

extension Commands {
    /// Where `index import` takes its rows, labels and ids from, and how it stores them.
    public struct ImportOptions: Sendable {
        /// A text file of one class name per row, or a dataset of the input HDF5 file.
        public var labels: String?
        /// The HDF5 dataset of the rows (default: `embeddings`, then `train`).
        public var dataset: String?
        /// The HDF5 dataset of the row ids (default: `paths`, then `ids`; else row numbers).
        public var ids: String?
        public var dtype: ScalarType
        public var shardRows: Int?
        /// Rows read and appended per step.
        public var readRows: Int
        public var resume: Bool

        public init(labels: String? = nil, dataset: String? = nil, ids: String? = nil, dtype: ScalarType = .float32,
                    shardRows: Int? = nil, readRows: Int = 4096, resume: Bool = false) {
            self.labels = labels
            self.dataset = dataset
            self.ids = ids
            self.dtype = dtype
            self.shardRows = shardRows
            self.readRows = readRows
            self.resume = resume
        }
    }

    /// `cbr index import`: precomputed embeddings into an index. A row holding a NaN or an infinity is
    /// listed (file and row number) and left out; with `resume`, committed rows are skipped.
    public static func importEmbeddings(_ input: String, index directory: URL, options: ImportOptions,
                                        console: Console) throws {
        let source = try EmbeddingSources.open(input, dataset: options.dataset, defaults: ["embeddings", "train"])
        let classNames = try importLabels(source, labels: options.labels, console: console)
        let rowIDs = try importIDs(source, ids: options.ids)
        let exists = FileManager.default.fileExists(atPath: Manifest.url(in: directory).path)
        if exists && !options.resume {
            throw CLIError.input(path: directory.path, reason: "already holds an index (pass --resume to continue an interrupted import)")
        }
        let d = source.dimension
        let shardLimit = options.shardRows.map { $0 * d * options.dtype.byteWidth } ?? IndexWriter.defaultShardSizeLimit
        let writer = try IndexWriter.openOrCreate(at: directory, dimension: d, dtype: options.dtype, shardSizeLimit: shardLimit)
        // Rows of a whitened index are projected ones; external rows are not (whiten a fresh index instead).
        if writer.manifest.projection != nil {
            throw CLIError.input(path: directory.path, reason: "is whitened (index whiten): import into a fresh index, then whiten it")
        }
        let committed = exists ? try writer.committedIDs() : []
        let start = Date()
        let meter = ProgressLine(total: source.count, label: "importing", unit: "rows")
        var added = 0, alreadyCommitted = 0
        let step = max(1, min(options.readRows, Limits.valuesInMemory / d))
        for first in stride(from: 0, to: source.count, by: step) {
            let range = first..<min(source.count, first + step)
            let rows = try source.rows(range)
            var keep: [Int] = []
            for row in range {
                if committed.contains(rowIDs[row]) {
                    alreadyCommitted += 1
                    continue
                }
                let values = rows[((row - first) * d)..<((row - first + 1) * d)]
                if values.allSatisfy(\.isFinite) {
                    keep.append(row)
                } else {
                    try console.failure(path: source.path, reason: "row \(row): holds a NaN or an infinity (left out)")
                }
            }
            meter.advance(by: range.count)
            guard !keep.isEmpty else { continue }
            let kept = keep.count == range.count ? rows : keep.flatMap { rows[(($0 - first) * d)..<(($0 - first + 1) * d)] }
            try kept.withUnsafeBufferPointer {
                try writer.append(rows: $0, classNames: keep.map { classNames[$0] }, ids: keep.map { rowIDs[$0] })
            }
            added += keep.count
        }
        try writer.finish()
        meter.finish()
        let seconds = Date().timeIntervalSince(start)
        if writer.renormalizedRows > 0 { try console.note("\(writer.renormalizedRows) rows were not unit length and were normalized") }
        let m = writer.manifest
        try console.print("imported \(added) rows (\(alreadyCommitted) already committed) into \(directory.path): "
            + "\(m.rowCount) rows, \(m.shards.count) shards, \(m.classes.count) classes, "
            + String(format: "%.0f rows/s", Double(added) / max(seconds, 1e-9)))
    }

    private static func importLabels(_ source: any EmbeddingSource, labels: String?, console: Console) throws -> [String] {
        let names: [String]
        let hdf5 = source as? HDF5Embeddings
        if let labels, FileManager.default.fileExists(atPath: labels) {
            let text: String
            do { text = try String(contentsOfFile: labels, encoding: .utf8) } catch {
                throw CLIError.input(path: labels, reason: "cannot read as UTF-8 text")
            }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            names = lines
        } else if let hdf5, let name = try labels ?? (hdf5.contains("labels") ? "labels" : nil) {
            names = try hdf5.column(name)
        } else if let labels {
            throw CLIError.input(path: labels, reason: "no such file (an HDF5 dataset name needs HDF5 input)")
        } else {
            try console.note("\(source.path) has no labels: every row is in class \"unlabeled\"")
            return [String](repeating: "unlabeled", count: source.count)
        }
        guard names.count == source.count else {
            throw CLIError.input(path: labels ?? source.path, reason: "\(names.count) labels for \(source.count) rows")
        }
        return names
    }

    private static func importIDs(_ source: any EmbeddingSource, ids: String?) throws -> [String] {
        if let hdf5 = source as? HDF5Embeddings {
            if let name = try ids ?? ["paths", "ids"].first(where: { try hdf5.contains($0) }) {
                return try hdf5.column(name)
            }
        } else if let ids {
            throw CLIError.usage("--ids \(ids) needs HDF5 input")
        }
        return (0..<source.count).map { String($0) }
    }
}
