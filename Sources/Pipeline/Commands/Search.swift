import Foundation
import HDF5
import ShardedIndex

extension Commands {
    /// `cbr search`: exact top-k of the query embeddings in `queries` against `index`, written as HDF5 to
    /// `out` (under a temporary name, renamed when complete). Queries must be finite; those that are not
    /// unit length are normalized (a note says how many). On a cluster every rank reads the queries and
    /// searches its shards; rank 0 merges the lists and writes `out`.
    /// `threads`: search threads of this process. `timings`: a note on rank 0 with the scan time (slowest
    /// rank) and the time to gather and merge the ranks' lists (measured after a barrier, so it is the
    /// exchange and the merge alone).
    public static func search(_ queries: String, dataset: String?, index: URL, k: Int, out: String, inMemory: Bool,
                              blockRows: Int, verify: Bool, threads: Int = ExactSearch.defaultThreads, timings: Bool = false,
                              route: Route? = nil, filter: ClassFilter = ClassFilter(), console: Console,
                              cluster: any Cluster = SingleProcess()) throws {
        // `out` is checked before the search. On a cluster it is reserved again only once every rank's
        // results are in: a job that another rank's error ends (MPI kills rank 0 where it waits) leaves no
        // temporary file behind.
        let early = cluster.isRoot ? try AtomicOutput(out) : nil
        if cluster.size > 1 { early?.abandon() }
        let reader = try ShardedIndexReader.part(of: index, cluster: cluster, inMemory: inMemory,
                                                 inMemoryLimit: Classifier.inMemoryLimit, verifyChecksums: verify)
        let source = try EmbeddingSources.open(queries, dataset: dataset, defaults: ["embeddings", "queries", "test"])
        // A whitened index takes queries of the model's dimension and projects them (`cbr index whiten`).
        let projection = try Projection.of(reader.manifest, in: index)
        guard source.dimension == reader.manifest.embeddingDimension else {
            throw IndexError.dimensionMismatch(URL(fileURLWithPath: source.path), expected: reader.manifest.embeddingDimension,
                                               found: source.dimension)
        }
        let d = source.dimension
        guard source.count * d <= Limits.valuesInMemory else {
            throw CLIError.input(path: source.path, reason: "\(source.count) × \(d) queries exceed the \(Limits.valuesInMemory) "
                + "values searched at once (split the file)")
        }
        let raw = try source.rows(0..<source.count)
        if let row = EmbeddingSources.firstNonFiniteRow(raw, first: 0, dimension: d) {
            throw CLIError.input(path: source.path, reason: "query \(row) holds a NaN or an infinity")
        }
        let unnormalized = (0..<source.count).filter { q in
            let norm = raw[(q * d)..<((q + 1) * d)].reduce(0) { $0 + $1 * $1 }.squareRoot()
            return abs(norm - 1) > 1e-3
        }.count
        if unnormalized > 0, cluster.isRoot { try console.note("\(unnormalized) of \(source.count) queries were not unit length and were normalized") }
        let matrix = projection?.apply(raw, count: source.count) ?? raw
        let options = SearchOptions(k: k, blockRows: blockRows, threads: threads, normalizeQueries: true,
                                    mask: try filter.mask(for: reader.manifest))
        let routing = try route.map {
            try ResolvedRoute($0, reader: reader, mask: options.mask, threads: threads, blockRows: blockRows, cluster: cluster)
        }
        if let calibration = routing?.calibration {
            try console.note("route auto: \(calibration.classes) classes per query (top-1 agreement "
                + "\(String(format: "%.3f", calibration.agreement)) with exact search on \(calibration.sampled) index rows)")
        }
        let scanStart = Date()
        let partial = try routing?.search(matrix, in: reader, options: options)
            ?? ExactSearch.search(queries: matrix, in: reader, options: options)
        let scanMicroseconds = Int(Date().timeIntervalSince(scanStart) * 1e6)
        var slowestScan = scanMicroseconds
        if timings {
            slowestScan = try cluster.maximum(scanMicroseconds)
            try cluster.barrier()
        }
        let mergeStart = Date()
        let merged = try SearchGather.merged(partial, cluster: cluster, rowCount: reader.rowCount,
                                             classCount: reader.classes.count)
        if timings, cluster.isRoot {
            try console.note(String(format: "search timings: scan %.3f s, merge %.6f s (%d queries, k = %d, %d rank%@)",
                                    Double(slowestScan) / 1e6, Date().timeIntervalSince(mergeStart), source.count, k,
                                    cluster.size, cluster.size == 1 ? "" : "s"))
        }
        guard let results = merged else { return }
        let output = try early.flatMap { cluster.size > 1 ? nil : $0 } ?? AtomicOutput(out)
        try AtomicOutput.commit(output) { output in
            try output.closeDescriptor()
            let file = try H5File.create(at: output.temporary.description, overwrite: true)
            try file.createDataset("indices", values: results.rows, shape: [source.count, k])
            try file.createDataset("scores", values: results.scores, shape: [source.count, k])
            try file.createDataset("labels", values: results.labels, shape: [source.count, k])
            try file.setAttribute("k", k)
            try file.setAttribute("index", reader.directory.path)
            try file.close()
        }
        try console.print("searched \(source.count) queries against \(reader.rowCount) rows (k = \(k)): \(out)")
    }
}
