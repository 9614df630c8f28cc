import Aggregate
import ArgumentParser
import Foundation
import Pipeline
import ShardedIndex

/// `bench landmark`: the landmark-scale scenario. A synthetic index the size of GLDv2 train-clean
/// (1,580,470 rows × 1280, 81,313 long-tailed classes, clustered) is built through the real writer into
/// HDF5 shards, then a query batch is classified through the real search and `max` aggregation.
struct LandmarkBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landmark",
        abstract: "Build a GLDv2-train-clean-sized synthetic index and classify a query batch against it."
    )

    @Option(help: "Fraction of GLDv2 train-clean's rows and classes (1 = 1,580,470 rows, 81,313 classes).")
    var scale = 1.0
    @Option(help: "Embedding dimension.") var dimension = 1280
    @Option(help: "Query images classified against each index.") var queries = 1024
    @Option(help: "Neighbours per query fed to the aggregation.") var k = 10
    @Option(help: "Comma-separated storage types to build and search.") var dtypes = "float32,float16"
    @Option(help: "How the search reads the index: streaming or inMemory.") var mode = "streaming"
    @Option(help: "Search threads.") var threads = ExactSearch.defaultThreads
    @Option(help: "Timed searches per index (median reported).") var repeats = 2
    @Option(help: "Rows per shard (default: 256 MB of embeddings).") var shardRows: Int?
    @Option(help: "Where to build (default: a fresh folder under the temporary directory).") var directory: String?
    @Flag(help: "Keep the built indexes.") var keep = false
    @Option(help: "Also write the results as JSON to this file.") var json: String?

    func run() throws {
        guard let readMode = ShardedIndexReader.Mode(rawValue: mode) else {
            throw ValidationError("--mode must be streaming or inMemory")
        }
        let types = try dtypes.split(separator: ",").map { name -> ScalarType in
            guard let type = ScalarType(rawValue: String(name)) else { throw ValidationError("unknown dtype \(name)") }
            return type
        }
        let data = SyntheticLandmarks.gldv2Clean(scale: scale, dimension: dimension)
        let root = directory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("cbr-landmark-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(at: root) } }

        let sizes = data.classSizes()
        var centres: [Float] = []
        let centreSeconds = Stopwatch.time { centres = data.classCentres() }
        let progress = ProgressLine(total: data.rows, label: "building", unit: "rows")
        let build = try LandmarkBuild(data: data, shardRows: shardRows.map { max(1, $0) }).run(into: root, dtypes: types, centres: centres) {
            progress.advance(by: $0 - progress.done)
        }
        progress.finish()
        let buildRSS = peakResidentBytes()
        let (queryRows, truth) = centres.withUnsafeBufferPointer { data.queries(count: queries, centres: $0.baseAddress!) }
        centres = []

        let classes = ClassTable(names: (0..<data.classes).map(LandmarkBuild.className))
        var report = Report(
            benchmark: "landmark (\(data.rows) rows, \(data.classes) classes, d = \(dimension), \(queries) queries, "
                + "k = \(k), \(mode), threads = \(threads))",
            columns: ["dtype", "index GB", "write s", "rows/s", "queries/s", "GFLOP/s", "top-1", "search RSS GB"])
        for result in build.results {
            resetPeakResident()
            let reader = try ShardedIndexReader(directory: result.directory, mode: readMode)
            let options = SearchOptions(k: k, threads: threads)
            var neighbours = SearchResults(queryCount: 0, k: k)
            var times: [Double] = []
            for _ in 0..<max(1, repeats) {
                times.append(try Stopwatch.time {
                    neighbours = try ExactSearch.search(queries: queryRows, in: reader, options: options)
                })
            }
            let seconds = median(times)
            let top1 = Self.topOne(neighbours, truth: truth, classes: classes)
            let flops = 2 * Double(data.rows) * Double(dimension) * Double(queries)
            report.add([
                .text(result.dtype.rawValue),
                .number(Double(result.bytes) / 1e9, digits: 2),
                .number(result.writeSeconds, digits: 1),
                .number(Double(data.rows) / result.writeSeconds, digits: 0),
                .number(Double(queries) / seconds, digits: 1),
                .number(flops / seconds / 1e9, digits: 1),
                .number(top1, digits: 4),
                .number(Double(peakResidentBytes()) / 1e9, digits: 2),
            ])
        }
        report.notes = [
            "class sizes: largest \(sizes.first ?? 0), median \(sizes[sizes.count / 2]), smallest \(sizes.last ?? 0)",
            String(format: "generation: centres %.1f s, rows %.1f s; peak RSS during the build %.2f GB",
                   centreSeconds, build.generateSeconds, Double(buildRSS) / 1e9),
            "write s: time inside the index writer (HDF5 shards, checksums, fsync, manifest), generation excluded",
            "top-1: max aggregation of the k nearest rows against the generator's class of each query",
            "search RSS: peak resident set while opening and searching that index (peak reset before)",
        ]
        try report.emit(json: json)
    }

    /// Fraction of queries whose best class under `max` aggregation is their true class.
    static func topOne(_ results: SearchResults, truth: [Int32], classes: ClassTable) -> Double {
        var aggregator = Aggregator(rule: .max, classes: classes)
        var correct = 0
        for query in 0..<results.queryCount {
            let hits = results.neighbors(of: query).filter { !$0.isPadding }
                .map { ClassScore(classID: $0.label, score: $0.score) }
            if aggregator.rank(hits, top: 1).first?.classID == truth[query] { correct += 1 }
        }
        return results.queryCount > 0 ? Double(correct) / Double(results.queryCount) : 0
    }
}

/// Resets this process's peak resident set (VmHWM) to its current size (Linux ≥ 4.0), so that a later
/// `peakResidentBytes()` measures one phase.
func resetPeakResident() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}
