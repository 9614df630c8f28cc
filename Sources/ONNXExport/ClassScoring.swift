/// The classification half of the exported graph: from the normalized embeddings `[N, d]` to per-class
/// scores `[N, classes]` (classes in `ExportedRows.classes` order).
extension GraphBuilder {
    /// max: the retrieval layer (Gemm by the rows, transB: cosine to every row), then per group of classes
    /// with m rows each a Slice of its columns, Reshape to `[N, c, m]`, ReduceMax over m; the groups'
    /// scores are concatenated and put back in class order by one Gather.
    mutating func maxScores(_ embeddings: String, _ rows: ExportedRows) -> String {
        let weights = weight("index_rows", rows.values, dims: [rows.rowCount, rows.dimension])
        let similarities = apply("Gemm", [embeddings, weights], [Attribute.int("transB", 1)])
        var parts: [String] = []
        for group in rows.groups {
            let c = group.members.count, m = group.rowsPerClass
            var part = similarities
            if rows.groups.count > 1 {
                part = apply("Slice", [similarities, int64("start", [group.firstRow]),
                                       int64("end", [group.firstRow + c * m]), int64("axis", [1])])
            }
            if m > 1 {
                let shaped = apply("Reshape", [part, int64("shape", [0, c, m])])
                part = apply("ReduceMax", [shaped], [Attribute.ints("axes", [2]), Attribute.int("keepdims", 0)])
            }
            parts.append(part)
        }
        let grouped = parts.count == 1 ? parts[0] : apply("Concat", parts, [Attribute.int("axis", 1)])
        let order = rows.groups.flatMap(\.members)
        guard order != Array(order.indices) else { return grouped }
        // Column of class p in the grouped scores.
        var column = [Int](repeating: 0, count: order.count)
        for (j, p) in order.enumerated() { column[p] = j }
        return apply("Gather", [grouped, int64("class_order", column)], [Attribute.int("axis", 1)])
    }

    /// mean and prototype: one Gemm by a `[classes, d]` matrix (class means, or normalized prototypes).
    mutating func matrixScores(_ embeddings: String, _ matrix: [Float], classes: Int, dimension: Int) -> String {
        let weights = weight("class_rows", matrix, dims: [classes, dimension])
        return apply("Gemm", [embeddings, weights], [Attribute.int("transB", 1)])
    }

    /// TopK over the class axis: `(values, indices)` into the given output names.
    mutating func topK(_ scores: String, k: Int, values: String, indices: String) {
        node("TopK", [scores, int64("k", [k])], named: [values, indices],
             [Attribute.int("axis", 1), Attribute.int("largest", 1), Attribute.int("sorted", 1)])
    }
}
