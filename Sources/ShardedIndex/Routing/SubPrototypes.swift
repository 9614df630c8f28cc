import HDF5

/// Per-class sub-prototypes: a class whose rows form several visual modes has a mean that sits between
/// them, far from each; routing on the mean alone misses queries near one mode. A spherical k-means
/// within the class (k = min(4, rows / 4), at least 2; fewer rows keep only the mean) gives up to four
/// unit vectors per class, kept when one lies far from the mean (`keepBelow`), which the router scores
/// besides the mean (a class ranks by its best vector).
struct SubPrototypes: Equatable {
    static let maxK = 4
    static let rowsPerCentre = 4
    static let iterations = 6
    /// A class keeps its centres only when one of them is this far from the class mean (cosine below):
    /// a class of one mode splits into centres near its mean, which would only cost routing time.
    static let keepBelow: Float = 0.85

    /// `labels.count × dimension` unit vectors, `labels[i]` the class of vector `i`.
    var vectors: [Float] = []
    var labels: [Int32] = []

    /// Clusters `n` unit rows (`n × d` float32) of class `label` and appends its centres (nothing when the
    /// class is too small to split). Deterministic: farthest-point start, from the row farthest from the mean.
    mutating func add(label: Int32, rows: UnsafePointer<Float>, count n: Int, dimension d: Int) {
        let k = min(Self.maxK, n / Self.rowsPerCentre)
        guard k >= 2 else { return }
        func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
            DotKernels.dot1(a, b, d, DotKernels.load8, { $0 })
        }
        var centres = [Float](repeating: 0, count: k * d)
        var assignment = [Int](repeating: 0, count: n)
        var mean = [Float](repeating: 0, count: d)
        for r in 0..<n { for i in 0..<d { mean[i] += rows[r * d + i] } }
        centres.withUnsafeMutableBufferPointer { c in
            let c = c.baseAddress!
            // Start: the row farthest from the mean, then each next farthest from the chosen ones.
            var best = [Float](repeating: -.infinity, count: n)
            var pick = mean.withUnsafeBufferPointer { m in (0..<n).min { dot(rows + $0 * d, m.baseAddress!) < dot(rows + $1 * d, m.baseAddress!) }! }
            for j in 0..<k {
                (c + j * d).update(from: rows + pick * d, count: d)
                for r in 0..<n { best[r] = max(best[r], dot(rows + r * d, c + j * d)) }
                pick = (0..<n).min { best[$0] < best[$1] }!
            }
            for _ in 0..<Self.iterations {
                for r in 0..<n {
                    assignment[r] = (0..<k).max { dot(rows + r * d, c + $0 * d) < dot(rows + r * d, c + $1 * d) }!
                }
                (c).update(repeating: 0, count: k * d)
                for r in 0..<n { for i in 0..<d { c[assignment[r] * d + i] += rows[r * d + i] } }
                _ = RowMath.normalizeRows(UnsafeMutableBufferPointer(start: c, count: k * d), rows: k, dimension: d)
            }
        }
        // One visual mode (every centre near the mean): the mean routes it as well.
        let spread = centres.withUnsafeBufferPointer { c in
            mean.withUnsafeMutableBufferPointer { m -> Float in
                _ = RowMath.normalizeRows(m, rows: 1, dimension: d)
                return (0..<k).map { dot(c.baseAddress! + $0 * d, m.baseAddress!) }.min() ?? 1
            }
        }
        guard spread < Self.keepBelow else { return }
        // A centre no row chose stays zero: leave it out.
        for j in 0..<k where assignment.contains(j) {
            vectors += centres[(j * d)..<((j + 1) * d)]
            labels.append(label)
        }
    }
}
