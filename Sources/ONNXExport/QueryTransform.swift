import ShardedIndex

/// The index's query-side transform, applied to the normalized embedding before the retrieval layer so that
/// the exported model answers like `cbr classify`: none, or the whitening `cbr index whiten` stored
/// (`y = normalize(P · (x − mean))`, d → D).
enum QueryTransform {
    case none
    case whitening(Projection)

    /// The transform of the index at `reader` (its stored projection, if any).
    static func of(_ reader: ShardedIndexReader) throws -> QueryTransform {
        try Projection.of(reader.manifest, in: reader.directory).map(QueryTransform.whitening) ?? .none
    }

    /// The dimension the transform takes (the network's embedding must have it).
    func inputDimension(index: Int) -> Int {
        switch self {
        case .none: index
        case .whitening(let projection): projection.inputDimension
        }
    }

    /// How the recipe names it.
    var name: String {
        switch self {
        case .none: "none"
        case .whitening(let p): "whitening \(p.inputDimension) -> \(p.outputDimension): normalize(P (x - mean))"
        }
    }

    /// The transform's output value (the input itself for `.none`).
    func apply(_ embeddings: String, in graph: inout GraphBuilder) -> String {
        switch self {
        case .none:
            return embeddings
        case .whitening(let p):
            let d = p.inputDimension, D = p.outputDimension
            // MatMul takes the matrix as [d × D]: Pᵀ.
            var transposed = [Float](repeating: 0, count: d * D)
            for j in 0..<D {
                for i in 0..<d { transposed[i * D + j] = p.matrix[j * d + i] }
            }
            let mean = graph.float32("whitening_mean", p.mean, dims: [d])
            let centred = graph.apply("Sub", [embeddings, mean])
            let projected = graph.apply("MatMul", [centred, graph.weight("whitening", transposed, dims: [d, D])])
            return graph.l2Normalized(projected)
        }
    }
}
