import ArgumentParser
import Foundation
import HDF5
import ShardedIndex

struct IndexImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Build an index from precomputed embeddings (HDF5, big-ann .fbin, ann-benchmarks HDF5).",
        discussion: """
            HDF5 input: rows from `embeddings` (or ann-benchmarks' `train`), class labels from `labels` and \
            row ids from `paths` or `ids` when present. .fbin input: uint32 n, uint32 d, then float32 rows; \
            ids are the row numbers. Rows that are not unit length are normalized (a note says how many). \
            With --resume, an interrupted import continues: rows whose id is already committed are skipped.
            """)

    @Argument(help: "E.h5, file.fbin or an ann-benchmarks .hdf5 file.") var input: String
    @Option(help: "A text file with one class name per row, or the name of a dataset in the input HDF5 file (class names or integer ids).")
    var labels: String?
    @Option(help: "The input HDF5 dataset holding the rows (default: embeddings, then train).") var dataset: String?
    @Option(help: "The input HDF5 dataset holding the row ids (default: paths, then ids; else row numbers).") var ids: String?
    @Option(help: "The index directory.") var index: String
    @Option(help: "Stored type: float32 or float16.") var dtype: ScalarType = .float32
    @Option(help: "Shard size limit in bytes of embeddings.") var shardSize: Int = IndexWriter.defaultShardSizeLimit
    @Option(help: "Rows read and appended per batch.") var batch: Int = 4096
    @Flag(help: "Continue an interrupted import into an existing index, skipping committed rows.") var resume = false

    func run() throws {
        try IndexCLI.run {
            let source = try EmbeddingInputs.open(input, dataset: dataset, defaults: ["embeddings", "train"])
            let classNames = try resolveLabels(source)
            let rowIDs = try resolveIDs(source)
            let directory = URL(fileURLWithPath: index)
            let exists = FileManager.default.fileExists(atPath: Manifest.url(in: directory).path)
            if exists && !resume {
                throw IndexError.badInput("\(directory.path): already holds an index (pass --resume to continue an interrupted import)")
            }
            let writer = try IndexWriter.openOrCreate(at: directory, dimension: source.dimension, dtype: dtype,
                                                      shardSizeLimit: shardSize)
            let committed = exists ? try writer.committedIDs() : []
            let start = Date()
            var added = 0, skipped = 0
            for first in stride(from: 0, to: source.count, by: max(1, batch)) {
                let range = first..<min(source.count, first + max(1, batch))
                let rows = try source.rows(range)
                let keep = range.filter { !committed.contains(rowIDs[$0]) }
                skipped += range.count - keep.count
                guard !keep.isEmpty else { continue }
                let d = source.dimension
                let kept = keep.count == range.count ? rows : keep.flatMap { rows[(($0 - first) * d)..<(($0 - first + 1) * d)] }
                try kept.withUnsafeBufferPointer {
                    try writer.append(rows: $0, classNames: keep.map { classNames[$0] }, ids: keep.map { rowIDs[$0] })
                }
                added += keep.count
                Progress.report(done: range.upperBound, total: source.count, since: start)
            }
            try writer.finish()
            let seconds = Date().timeIntervalSince(start)
            if writer.renormalizedRows > 0 { IndexCLI.note("\(writer.renormalizedRows) rows were not unit length and were normalized") }
            let m = writer.manifest
            print("imported \(added) rows (\(skipped) already committed) into \(directory.path): "
                  + "\(m.rowCount) rows, \(m.shards.count) shards, \(m.classes.count) classes, "
                  + String(format: "%.0f rows/s", Double(added) / max(seconds, 1e-9)))
        }
    }

    private func resolveLabels(_ source: EmbeddingInput) throws -> [String] {
        let names: [String]
        if let labels, FileManager.default.fileExists(atPath: labels) {
            let text: String
            do { text = try String(contentsOfFile: labels, encoding: .utf8) } catch {
                throw IndexError.io(URL(fileURLWithPath: labels), "cannot read: \(error.localizedDescription)")
            }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            names = lines
        } else if let hdf5 = source as? HDF5Input, let name = labels ?? ((try? hdf5.file.contains("labels")) == true ? "labels" : nil) {
            names = try hdf5.column(name)
        } else if let labels {
            throw IndexError.badInput("--labels \(labels): no such file (an HDF5 dataset name needs HDF5 input)")
        } else {
            IndexCLI.note("\(source.url.lastPathComponent) has no labels: every row is in class \"unlabeled\"")
            return [String](repeating: "unlabeled", count: source.count)
        }
        guard names.count == source.count else {
            throw IndexError.badInput("\(labels ?? "labels"): \(names.count) labels for \(source.count) rows")
        }
        return names
    }

    private func resolveIDs(_ source: EmbeddingInput) throws -> [String] {
        if let hdf5 = source as? HDF5Input {
            let name = try ids ?? ["paths", "ids"].first { try hdf5.file.contains($0) }
            if let name {
                let column = try hdf5.column(name)
                guard column.count == source.count else {
                    throw IndexError.badInput("\(source.url.path): '\(name)' has \(column.count) ids for \(source.count) rows")
                }
                return column
            }
        } else if let ids {
            throw IndexError.badInput("--ids \(ids) needs HDF5 input")
        }
        return (0..<source.count).map { String($0) }
    }
}

/// Progress on stderr (count, rate, ETA), only when stderr is a terminal.
enum Progress {
    static let enabled = isatty(2) == 1

    static func report(done: Int, total: Int, since start: Date) {
        guard enabled else { return }
        let seconds = Date().timeIntervalSince(start)
        let rate = Double(done) / max(seconds, 1e-9)
        let eta = Double(total - done) / max(rate, 1e-9)
        let line = String(format: "\r%d/%d rows, %.0f rows/s, ETA %.0f s ", done, total, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
