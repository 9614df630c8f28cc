import ArgumentParser
import Foundation
import ShardedIndex

/// `bench search`: exact top-k search throughput (queries/s, GFLOP/s, % of the SGEMM peak measured in the
/// same run, GB/s of index scanned). Benchmarks/search_peers.py drives it next to FAISS and numpy
/// through `--serve`, on the same data.
struct SearchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Exact top-k search: blocked SGEMM / SIMD scan + bounded heaps, in-memory index."
    )

    @Option(help: "Index rows (synthetic data; ignored with --data).") var n = 100_000
    @Option(help: "Dimension (synthetic data).") var d = 1280
    @Option(help: "Comma-separated query batch sizes.") var q = "1,16,256"
    @Option(help: "Comma-separated k values.") var k = "10,100"
    @Option(help: "Comma-separated row types: float32, float16.") var dtype = "float32,float16"
    @Option(help: "Kernel threads.") var threads = ExactSearch.defaultThreads
    @Option(help: "Timed repetitions per configuration (median reported; one warm-up first).") var repeats = 3
    @Option(help: "Index rows as a big-ann .fbin file (uint32 n, uint32 d, float32 rows).") var data: String?
    @Option(help: "Queries as an .fbin file (default: drawn from the index's clusters).") var queries: String?
    @Option(help: "Search this index directory (ShardedIndexReader) instead of an in-memory matrix.") var index: String?
    @Option(help: "With --index: streaming or inMemory.") var mode = "streaming"
    @Option(help: "Write the data as an index per --dtype into DIR/<dtype> (IndexWriter), report rows/s, exit.")
    var writeIndex: String?
    @Option(help: "Write each configuration's result rows (int64 [q, k]) into this directory.") var idsDir: String?
    @Option(help: "Rows per source block.") var blockRows = ExactSearch.defaultBlockRows
    @Option(help: "Kernel tuning: tile rows.") var tileRows = ExactSearch.Tuning().tileRows
    @Option(help: "Kernel tuning: query chunk per SGEMM.") var queryChunk = ExactSearch.Tuning().queryChunk
    @Option(help: "Kernel tuning: largest batch for the fused SIMD scan.") var fusedMax = ExactSearch.Tuning().fusedMaxQueries
    @Option(help: "Kernel tuning: smallest batch using the large tiles and chunks.") var largeBatch = ExactSearch.Tuning().largeBatch
    @Option(help: "Kernel tuning: tile rows for large batches.") var largeTileRows = ExactSearch.Tuning().largeTileRows
    @Option(help: "Kernel tuning: query chunk per SGEMM for large batches.") var largeQueryChunk = ExactSearch.Tuning().largeQueryChunk
    @Flag(help: "Read commands from stdin (`<dtype> <q> <k> <repeats> [ids file]` or `peak`), answer JSON lines.")
    var serve = false
    @Option(help: "Also write the table as JSON to this file.") var json: String?

    func run() throws {
        let source = try loadIndex()
        if let writeIndex, case .memory(let data) = source {
            return try SearchIndexWriting.write(data, types: try list(dtype).map(parseType), under: writeIndex)
        }
        var runner = SearchRunner(index: source, queries: try loadQueries(source), threads: threads,
                                  blockRows: blockRows, tuning: tuning)
        if serve { return try runner.serve() }

        let peak = SGEMMPeak.measure(threads: threads)
        let location = index.map { "\(mode) \($0)" } ?? "in-memory"
        var report = Report(benchmark: "search (\(location), N = \(runner.rowCount), d = \(runner.dimension), threads = \(threads))",
                            columns: ["dtype", "Q", "k", "queries/s", "GFLOP/s", "% peak", "GB/s", "ms/batch"])
        var types = try list(dtype).map(parseType)
        if case .directory(let reader) = source { types = [reader.dtype] }
        for type in types {
            for batch in try list(q).map(parseInt) {
                for kk in try list(k).map(parseInt) {
                    let ids = idsDir.map { "\($0)/ids_\(type.rawValue)_q\(batch)_k\(kk).i64" }
                    let seconds = median(try runner.time(type: type, queries: batch, k: kk, repeats: repeats, idsPath: ids))
                    let m = Measurement(seconds: seconds, n: runner.rowCount, d: runner.dimension, q: batch, type: type)
                    report.add([.text(type.rawValue), .number(Double(batch), digits: 0), .number(Double(kk), digits: 0),
                                .number(m.queriesPerSecond, digits: 1), .number(m.gflops, digits: 1),
                                .number(100 * m.gflops / peak, digits: 1), .number(m.gigabytesPerSecond, digits: 1),
                                .number(seconds * 1000, digits: 1)])
                }
            }
        }
        report.notes.append("SGEMM peak 4096×4096×1280 in this run: \(String(format: "%.1f", peak)) GFLOP/s (\(threads) threads)")
        report.notes.append("GFLOP/s = 2·N·d·Q per batch; GB/s = index bytes (N·d·width) scanned per batch")
        report.notes.append("peak RSS \(peakResidentBytes() / 1_048_576) MiB")
        try report.emit(json: json)
    }

    private var tuning: ExactSearch.Tuning {
        var t = ExactSearch.Tuning()
        t.tileRows = tileRows
        t.queryChunk = queryChunk
        t.fusedMaxQueries = fusedMax
        t.largeBatch = largeBatch
        t.largeTileRows = largeTileRows
        t.largeQueryChunk = largeQueryChunk
        return t
    }

    private func loadIndex() throws -> SearchRunner.Index {
        if let index {
            guard let readMode = ShardedIndexReader.Mode(rawValue: mode) else {
                throw ValidationError("--mode must be streaming or inMemory")
            }
            return .directory(try ShardedIndexReader(directory: URL(fileURLWithPath: index), mode: readMode))
        }
        if let data { return .memory(try SearchData.read(fbin: data)) }
        return .memory(SearchData.clustered(count: n, dimension: d, clusters: max(1, n / 100), spread: 1.0, seed: 1))
    }

    private func loadQueries(_ index: SearchRunner.Index) throws -> SearchData {
        let most = try list(q).map(parseInt).max() ?? 1
        let dimension: Int, rows: Int
        switch index {
        case .memory(let data): (dimension, rows) = (data.dimension, data.count)
        case .directory(let reader): (dimension, rows) = (reader.dimension, reader.rowCount)
        }
        if let queries {
            let data = try SearchData.read(fbin: queries, limit: most)
            guard data.dimension == dimension else {
                throw SearchBenchError("\(queries): dimension \(data.dimension), index has \(dimension)")
            }
            return data
        }
        return SearchData.clustered(count: most, dimension: dimension, clusters: max(1, rows / 100), spread: 1.0, seed: 1)
    }

    private func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private func parseInt(_ text: String) throws -> Int {
        guard let v = Int(text), v > 0 else { throw ValidationError("not a positive integer: \(text)") }
        return v
    }

    private func parseType(_ text: String) throws -> ScalarType {
        guard let t = ScalarType(rawValue: text) else { throw ValidationError("unknown dtype: \(text)") }
        return t
    }
}

/// Rates derived from one batch's time.
struct Measurement {
    let seconds: Double, n: Int, d: Int, q: Int, type: ScalarType
    var queriesPerSecond: Double { Double(q) / seconds }
    var gflops: Double { 2 * Double(n) * Double(d) * Double(q) / seconds / 1e9 }
    var gigabytesPerSecond: Double { Double(n * d * type.byteWidth) / seconds / 1e9 }
}
