import ArgumentParser
import Foundation
import ShardedIndex

/// Index storage: build throughput (rows/s written through `IndexWriter`, fsyncs included) and the
/// streaming reader (GB/s of a full pass, peak RSS). Each phase is its own process so that its peak RSS
/// is its own: `bench index build --dir D`, then `bench index scan --dir D` and `bench index search --dir D`.
struct IndexBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index storage: build rows/s, streaming pass GB/s and peak RSS.",
        subcommands: [IndexBuildBench.self, IndexScanBench.self, IndexSearchBench.self])
}

struct IndexBuildBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Write N random unit rows.")

    @Option(help: "Index directory to create (must not exist).") var dir: String
    @Option(help: "Rows.") var rows = 1_000_000
    @Option(help: "Dimension.") var dimension = 1280
    @Option(help: "float32 or float16.") var dtype = "float32"
    @Option(help: "Classes the rows are spread over.") var classes = 81_313
    @Option(help: "Rows per append.") var batch = 8192
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() throws {
        guard let type = ScalarType(rawValue: dtype) else { throw ValidationError("dtype: float32 or float16") }
        var report = Report(benchmark: "index build", columns: ["rows", "d", "dtype", "shards", "rows/s", "MB/s", "peak RSS MB"])
        var random = Xoshiro256(seed: 1)
        let writer = try IndexWriter.create(at: URL(fileURLWithPath: dir), dimension: dimension, dtype: type)
        let names = (0..<classes).map { "class-\($0)" }
        var writing = 0.0
        var done = 0
        while done < rows {
            let n = min(batch, rows - done)
            let data = random.unitVectors(n, dimension)
            let labels = (0..<n).map { _ in names[Int(random.next() % UInt64(classes))] }
            let ids = (done..<(done + n)).map { "row-\($0)" }
            writing += try Stopwatch.time {
                try data.withUnsafeBufferPointer { try writer.append(rows: $0, classNames: labels, ids: ids) }
            }
            done += n
        }
        writing += try Stopwatch.time { try writer.finish() }
        let rate = Double(rows) / writing
        report.add([.number(Double(rows), digits: 0), .number(Double(dimension), digits: 0), .text(dtype),
                    .number(Double(writer.manifest.shards.count), digits: 0), .number(rate, digits: 0),
                    .number(rate * Double(dimension * type.byteWidth) / 1e6, digits: 0),
                    .number(Double(peakResidentBytes()) / 1e6, digits: 0)])
        report.notes.append("time of append + finish only (random generation excluded); shards of 256 MB, each fsynced")
        report.notes.append("peak RSS includes the writer's pending shard (256 MB) and per-class sums (classes × d floats)")
        try report.emit(json: json)
    }
}

struct IndexScanBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scan", abstract: "Stream every block of an index.")

    @Option(help: "Index directory.") var dir: String
    @Option(help: "Rows per block.") var blockRows = 16384
    @Option(help: "Passes (the first verifies checksums; the median of the others is reported).") var passes = 3
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() throws {
        var report = Report(benchmark: "index scan (streaming)", columns: ["rows", "d", "dtype", "pass", "s", "GB/s", "peak RSS MB"])
        let reader = try ShardedIndexReader(directory: URL(fileURLWithPath: dir), mode: .streaming)
        let bytes = Double(reader.rowCount * reader.dimension * reader.dtype.byteWidth)
        for pass in 0..<max(1, passes) {
            var checksum: Float = 0
            let seconds = try Stopwatch.time {
                try reader.forEachBlock(maxRows: blockRows) { block in
                    // Touch one value per row so the pass cannot be optimized away.
                    switch block.rows {
                    case .float32(let r): for i in stride(from: 0, to: r.count, by: block.dimension) { checksum += r[i] }
                    case .float16(let r): for i in stride(from: 0, to: r.count, by: block.dimension) { checksum += Float(r[i]) }
                    }
                }
            }
            report.add([.number(Double(reader.rowCount), digits: 0), .number(Double(reader.dimension), digits: 0),
                        .text(reader.dtype.rawValue), .text(pass == 0 ? "1 (verifies)" : "\(pass + 1)"),
                        .number(seconds, digits: 2), .number(bytes / seconds / 1e9, digits: 2),
                        .number(Double(peakResidentBytes()) / 1e6, digits: 0)])
            if checksum.isNaN { report.notes.append("NaN in rows") }
        }
        report.notes.append("index files in the page cache when re-read; block buffers: 2 × \(blockRows) rows")
        try report.emit(json: json)
    }
}

struct IndexSearchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Exact search streaming an index from its shards: q/s and peak RSS.")

    @Option(help: "Index directory.") var dir: String
    @Option(help: "Comma-separated query batch sizes.") var q = "1,16,256"
    @Option(help: "Neighbours per query.") var k = 100
    @Option(help: "Rows per streamed block.") var blockRows = ExactSearch.defaultBlockRows
    @Option(help: "Timed repetitions (median reported).") var repeats = 2
    @Flag(help: "Load the index in memory instead of streaming it.") var inMemory = false
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() throws {
        let reader = try ShardedIndexReader(directory: URL(fileURLWithPath: dir), mode: inMemory ? .inMemory : .streaming)
        var report = Report(benchmark: "index search (\(reader.mode.rawValue))",
                            columns: ["rows", "dtype", "q", "k", "q/s", "GB/s", "peak RSS MB"])
        let bytes = Double(reader.rowCount * reader.dimension * reader.dtype.byteWidth)
        var random = Xoshiro256(seed: 7)
        for batch in q.split(separator: ",").compactMap({ Int($0) }) {
            let queries = random.unitVectors(batch, reader.dimension)
            let options = SearchOptions(k: k, blockRows: blockRows, mask: LabelMask(removed: reader.removedMask))
            // One untimed pass first: a reader's first pass also verifies every shard's checksums
            // (`bench index scan` reports that pass on its own), later passes only read.
            _ = try ExactSearch.search(queries: queries, in: reader, options: options)
            let times = try (0..<max(1, repeats)).map { _ in
                try Stopwatch.time { _ = try ExactSearch.search(queries: queries, in: reader, options: options) }
            }
            let seconds = median(times)
            report.add([.number(Double(reader.rowCount), digits: 0), .text(reader.dtype.rawValue),
                        .number(Double(batch), digits: 0), .number(Double(k), digits: 0),
                        .number(Double(batch) / seconds, digits: 2), .number(bytes / seconds / 1e9, digits: 2),
                        .number(Double(peakResidentBytes()) / 1e6, digits: 0)])
        }
        report.notes.append("block buffers: 2 × \(blockRows) rows; timed after one untimed pass (the reader's first pass verifies the shard checksums)")
        try report.emit(json: json)
    }
}
