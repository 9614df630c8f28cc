import Foundation
import HDF5
import ShardedIndex

extension Commands {
    /// `cbr search`: exact top-k of the query embeddings in `queries` against `index`, written as HDF5 to
    /// `out` (under a temporary name, renamed when complete). Queries must be finite; those that are not
    /// unit length are normalized (a note says how many).
    public static func search(_ queries: String, dataset: String?, index: URL, k: Int, out: String, inMemory: Bool,
                              blockRows: Int, verify: Bool, route: Route? = nil, console: Console) throws {
        let output = try AtomicOutput(out)
        let reader = try ShardedIndexReader(directory: index, mode: inMemory ? .inMemory : .streaming,
                                            verifyChecksums: verify)
        let source = try EmbeddingSources.open(queries, dataset: dataset, defaults: ["embeddings", "queries", "test"])
        guard source.dimension == reader.dimension else {
            throw IndexError.dimensionMismatch(URL(fileURLWithPath: source.path), expected: reader.dimension, found: source.dimension)
        }
        let d = source.dimension
        guard source.count * d <= Limits.valuesInMemory else {
            throw CLIError.input(path: source.path, reason: "\(source.count) × \(d) queries exceed the \(Limits.valuesInMemory) "
                + "values searched at once (split the file)")
        }
        let matrix = try source.rows(0..<source.count)
        if let row = EmbeddingSources.firstNonFiniteRow(matrix, first: 0, dimension: d) {
            throw CLIError.input(path: source.path, reason: "query \(row) holds a NaN or an infinity")
        }
        let unnormalized = (0..<source.count).filter { q in
            let norm = matrix[(q * d)..<((q + 1) * d)].reduce(0) { $0 + $1 * $1 }.squareRoot()
            return abs(norm - 1) > 1e-3
        }.count
        if unnormalized > 0 { try console.note("\(unnormalized) of \(source.count) queries were not unit length and were normalized") }
        let options = SearchOptions(k: k, blockRows: blockRows, normalizeQueries: true,
                                    mask: LabelMask(removed: reader.removedMask))
        let results: SearchResults
        if let route {
            let router = try ClassRouter(index: reader)
            var classes = 0
            switch route {
            case .classes(let c): classes = c
            case .auto:
                let picked = try RouteCalibration.pick(in: reader, router: router, mask: options.mask, blockRows: blockRows)
                classes = picked.classes
                try console.note("route auto: \(classes) classes per query (top-1 agreement "
                    + "\(String(format: "%.3f", picked.agreement)) with exact search on \(picked.sampled) index rows)")
            }
            results = try RoutedSearch.search(queries: matrix, in: reader, router: router, classes: classes, options: options)
        } else {
            results = try ExactSearch.search(queries: matrix, in: reader, options: options)
        }
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
