import Aggregate
import ArgumentParser
import Foundation
import ShardedIndex

/// `bench route`: class-routed search against exact search on a landmark-shaped synthetic index that
/// carries what makes routing hard (multi-mode classes, near-duplicate classes, queries between classes,
/// class sizes from 1 to thousands). For each C: queries/s, top-1 agreement of the `max` classification
/// with exact search's, and neighbour recall (the exact top-k rows found). `--export DIR` writes the rows,
/// labels, queries and exact answers for the FAISS IVF comparison (Benchmarks/route_peers.py).
struct RouteBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Class-routed search vs exact search on a hard landmark-shaped synthetic index.")

    @Option(help: "Fraction of GLDv2 train-clean's rows and classes (1 = 1,580,470 rows, 81,313 classes).")
    var scale = 0.1
    @Option(help: "Embedding dimension.") var dimension = 1280
    @Option(help: "Queries classified in one batch.") var queries = 1024
    @Option(help: "Neighbours per query.") var k = 10
    @Option(help: "Storage type: float32 or float16.") var storage = "float32"
    @Option(help: "How the search reads the index: streaming or inMemory.") var mode = "streaming"
    @Option(help: "Comma-separated numbers of routed classes.") var route = "8,32,128,512,2048"
    @Option(help: "Timed searches per configuration (median reported).") var repeats = 3
    @Option(help: "Comma-separated prototype groups visited per query (0: score every prototype; > 0: the grouped router).")
    var probe = "0"
    @Option(help: "Prototype groups of the grouped router (0: √classes).") var groups = 0
    @Option(help: "Fraction of classes with 2–4 visual modes.") var multiMode = 0.3
    @Option(help: "Distance of a mode from its class centre (relative norm).") var modeSpread: Float = 2.5
    @Option(help: "Fraction of classes nearly duplicating another.") var nearDuplicates = 0.3
    @Option(help: "Fraction of queries between two classes.") var between = 0.3
    @Flag(inversion: .prefixedNo, help: "Compact the index by class first (routed search then reads only its classes' rows).")
    var byClass = true
    @Option(help: "Where to build (default: a fresh folder under the temporary directory).") var directory: String?
    @Flag(help: "Keep the built index.") var keep = false
    @Option(help: "Write rows, labels, queries and exact answers here for Benchmarks/route_peers.py.") var export: String?
    @Option(help: "Also write the results as JSON to this file.") var json: String?

    func run() throws {
        guard let dtype = ScalarType(rawValue: storage) else { throw ValidationError("--storage must be float32 or float16") }
        guard let readMode = ShardedIndexReader.Mode(rawValue: mode) else { throw ValidationError("--mode must be streaming or inMemory") }
        let routes = try route.split(separator: ",").map { text -> Int in
            guard let c = Int(text), c >= 1 else { throw ValidationError("bad --route entry \(text)") }
            return c
        }
        let probes = try probe.split(separator: ",").map { text -> Int in
            guard let p = Int(text), p >= 0 else { throw ValidationError("bad --probe entry \(text)") }
            return p
        }
        var data = SyntheticLandmarks.gldv2Clean(scale: scale, dimension: dimension)
        data.minClassSize = 1
        data.maxClassSize = 3_000
        data.multiModeFraction = multiMode
        data.modeSpread = modeSpread
        data.nearDuplicateFraction = nearDuplicates
        data.betweenFraction = between
        data.distinctQueryNoise = true
        let root = directory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("cbr-route-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(at: root) } }

        let sizes = data.classSizes()
        let centres = data.classCentres()
        let build = try LandmarkBuild(data: data).run(into: root, dtypes: [dtype], centres: centres) { _ in }
        let index = build.results[0].directory
        let compactSeconds = byClass ? try Stopwatch.time { try IndexWriter.open(at: index).compactByClass() } : 0
        let (queryRows, _) = centres.withUnsafeBufferPointer { data.queries(count: queries, centres: $0.baseAddress!) }

        let reader = try ShardedIndexReader(directory: index, mode: readMode)
        let options = SearchOptions(k: k, mask: LabelMask(removed: reader.removedMask))
        var exact = SearchResults(queryCount: 0, k: k)
        var exactTimes: [Double] = []
        for _ in 0..<max(1, repeats) {
            exactTimes.append(try Stopwatch.time { exact = try ExactSearch.search(queries: queryRows, in: reader, options: options) })
        }
        let exactSeconds = median(exactTimes)
        var router: ClassRouter?, meansOnly: ClassRouter?
        let routerSeconds = try Stopwatch.time { router = try ClassRouter(index: reader, subprototypes: true) }
        meansOnly = try ClassRouter(index: reader, subprototypes: false)
        var routers: [(String, ClassRouter)] = reader.manifest.byClass?.subprototypesChecksum == nil
            ? [("", router!)] : [("", meansOnly!), (" +sub", router!)]
        var groupSeconds = 0.0
        if let first = probes.first(where: { $0 > 0 }) {
            let flat = routers
            routers = probes.contains(0) ? routers : []
            // Grouped over the means, and over the means and sub-prototypes when the index has them.
            for (suffix, plain) in flat {
                var grouped: ClassRouter?
                let seconds = try Stopwatch.time { grouped = try plain.grouped(groups: groups > 0 ? groups : nil, probe: first) }
                if suffix.isEmpty { groupSeconds = seconds }
                for p in probes where p > 0 { routers.append((" probe \(p)\(suffix)", try grouped!.probing(p))) }
            }
        }
        let exactTop = Self.topClass(exact)

        var report = Report(
            benchmark: "route (\(data.rows) rows, \(data.classes) classes, d = \(dimension), \(dtype), \(queries) queries, "
                + "k = \(k), \(mode)\(byClass ? ", compacted by class" : ""))",
            columns: ["search", "queries/s", "× exact", "top-1 agreement", "recall@k", "shortlist share", "rows/query"])
        report.add([.text("exact"), .number(Double(queries) / exactSeconds, digits: 1), .number(1, digits: 2),
                    .number(1, digits: 4), .number(1, digits: 4), .text("–"),
                    .number(Double(reader.rowCount), digits: 0)])
        for c in routes where c <= data.classes {
          for (suffix, router) in routers {
            var routed = SearchResults(queryCount: 0, k: k)
            var times: [Double] = []
            for _ in 0..<max(1, repeats) {
                times.append(try Stopwatch.time {
                    routed = try RoutedSearch.search(queries: queryRows, in: reader, router: router, classes: c, options: options)
                })
            }
            let seconds = median(times)
            let agree = zip(Self.topClass(routed), exactTop).filter { $0 == $1 }.count
            var shortlist: Shortlist?
            let shortlistSeconds = try Stopwatch.time { shortlist = try router.shortlist(queryRows, classes: c) }
            let inList = (0..<queries).filter { j in
                Self.topClass(routed)[j] != exactTop[j] && shortlist?.classes(of: j).contains(exactTop[j]) == true
            }
            if !inList.isEmpty { print("route \(c): \(inList.count) disagreements although exact's class was routed") }
            report.add([.text("route \(c)\(suffix)"), .number(Double(queries) / seconds, digits: 1),
                        .number(exactSeconds / seconds, digits: 2),
                        .number(Double(agree) / Double(queries), digits: 4),
                        .number(Self.recall(routed, exact), digits: 4),
                        .number(min(1, shortlistSeconds / seconds), digits: 2),
                        .number(Self.rowsPerQuery(shortlist, classRows: reader.classes.map(\.rows)), digits: 0)])
          }
        }
        let modes = (0..<data.classes).filter { data.modeCount($0) > 1 }.count
        let smallest = sizes.last ?? 0, largest = sizes.first ?? 0, middle = sizes[sizes.count / 2]
        let shape = "data: SyntheticLandmarks seed \(data.seed), \(data.regions) regions, class spread \(data.classSpread), "
            + "image noise \(data.imageNoise); class sizes \(smallest)…\(largest) (median \(middle))"
        let hard = "\(modes) classes with 2–4 modes (mode spread \(modeSpread)); near-duplicate fraction \(nearDuplicates) "
            + "(spread \(data.duplicateSpread)); \(Int(between * 100)) % of queries between two classes"
        report.notes = [
            shape,
            hard,
            String(format: "build %.1f s, compaction by class %.1f s, router (prototypes) %.2f s; index %.2f GB",
                   build.results[0].writeSeconds, compactSeconds, routerSeconds, Double(build.results[0].bytes) / 1e9),
            "top-1 agreement: the max rule's best class equals exact search's; recall@k: exact top-k rows found; "
                + "shortlist share: the time of one shortlist (scoring the prototypes) over the routed search's median; "
                + "rows/query: rows of the shortlisted classes, averaged",
            "+sub: routed on the class means and the sub-prototypes compact --by-class stored (k-means, k ≤ 4); "
                + "without: class means only",
        ]
        if let grouped = routers.first(where: { $0.1.groupCount > 0 })?.1 {
            let withSub = routers.last { $0.1.groupCount > 0 && $0.0.hasSuffix("+sub") }?.1.groupCount
            report.notes.append(String(format: "probe P: the grouped router (%d prototype groups, clustered in %.2f s) "
                + "scores the group centroids, then the prototypes of each query's P best groups", grouped.groupCount,
                groupSeconds)
                + (withSub.map { "; probe P +sub: the means and sub-prototypes grouped (\($0) groups)" } ?? ""))
        }
        try report.emit(json: json)
        if let export { try Self.export(to: URL(fileURLWithPath: export), reader: reader, queries: queryRows, exact: exact) }
    }

    /// The `max` rule's best class: the best neighbour's label.
    static func topClass(_ results: SearchResults) -> [Int32] {
        (0..<results.queryCount).map { results.labels[$0 * results.k] }
    }

    /// Rows of the shortlisted classes, averaged over the queries (what the row stage scores).
    static func rowsPerQuery(_ shortlist: Shortlist?, classRows: [Int]) -> Double {
        guard let shortlist, shortlist.queryCount > 0 else { return 0 }
        let total = (0..<shortlist.queryCount).reduce(0) { sum, j in
            sum + shortlist.classes(of: j).reduce(0) { $0 + (Int($1) < classRows.count ? classRows[Int($1)] : 0) }
        }
        return Double(total) / Double(shortlist.queryCount)
    }

    static func recall(_ got: SearchResults, _ exact: SearchResults) -> Double {
        var found = 0, total = 0
        for j in 0..<exact.queryCount {
            let rows = Set(got.rows[(j * got.k)..<((j + 1) * got.k)])
            for r in exact.rows[(j * exact.k)..<((j + 1) * exact.k)] where r >= 0 {
                total += 1
                if rows.contains(r) { found += 1 }
            }
        }
        return total > 0 ? Double(found) / Double(total) : 1
    }

    /// rows.fbin / queries.fbin (big-ann: u32 n, u32 d, float32 rows), labels.i32 and exact_top.i32 (raw).
    static func export(to dir: URL, reader: ShardedIndexReader, queries: [Float], exact: SearchResults) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let d = reader.dimension
        let rowsURL = dir.appendingPathComponent("rows.fbin")
        guard FileManager.default.createFile(atPath: rowsURL.path, contents: nil) else {
            throw ValidationError("cannot create \(rowsURL.path)")
        }
        let out = try FileHandle(forWritingTo: rowsURL)
        defer { try? out.close() }
        try out.write(contentsOf: Self.bytes([UInt32(reader.rowCount), UInt32(d)]))
        var labels: [Int32] = []
        try reader.forEachBlock(maxRows: 16_384) { block in
            labels += block.labels
            switch block.rows {
            case .float32(let v): try out.write(contentsOf: Data(buffer: v))
            case .float16(let v):
                let widened = v.map(Float.init)
                try out.write(contentsOf: widened.withUnsafeBufferPointer { Data(buffer: $0) })
            }
        }
        try (Self.bytes([UInt32(queries.count / d), UInt32(d)]) + Data(queries.withUnsafeBufferPointer { Data(buffer: $0) }))
            .write(to: dir.appendingPathComponent("queries.fbin"))
        try labels.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: dir.appendingPathComponent("labels.i32"))
        try topClass(exact).withUnsafeBufferPointer { Data(buffer: $0) }.write(to: dir.appendingPathComponent("exact_top.i32"))
    }

    static func bytes(_ words: [UInt32]) -> Data { words.withUnsafeBufferPointer { Data(buffer: $0) } }
}
