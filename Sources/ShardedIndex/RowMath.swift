/// Row arithmetic the writer and the prototypes need: L2 normalization.
enum RowMath {
    /// Normalizes each of the `rows` rows of `matrix` in place; returns how many were not unit length
    /// (|‖x‖ − 1| > 1e-3) before. Zero rows stay zero.
    @discardableResult
    static func normalizeRows(_ matrix: UnsafeMutableBufferPointer<Float>, rows: Int, dimension d: Int) -> Int {
        var changed = 0
        for r in 0..<rows {
            let row = UnsafeMutableBufferPointer(rebasing: matrix[(r * d)..<((r + 1) * d)])
            let norm = squaredNorm(UnsafeBufferPointer(row)).squareRoot()
            guard norm > 0 else { continue }
            if abs(norm - 1) > 1e-3 { changed += 1 }
            let scale = 1 / norm
            for i in 0..<d { row[i] *= scale }
        }
        return changed
    }

    static func squaredNorm(_ row: UnsafeBufferPointer<Float>) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= row.count {
            let v = SIMD8<Float>(row[i..<(i + 8)])
            acc += v * v
            i += 8
        }
        var total = acc.sum()
        while i < row.count { total += row[i] * row[i]; i += 1 }
        return total
    }

    /// Scales each of the `count` queries at `queries` to unit length (a zero query stays zero), the way
    /// every search does it, so exact and routed searches see the same query values.
    static func normalizeQueries(_ queries: UnsafeMutablePointer<Float>, count: Int, dimension d: Int) {
        for j in 0..<count {
            let row = queries + j * d
            let norm = DotKernels.dot1(row, row, d, DotKernels.load8, { $0 }).squareRoot()
            if norm > 0 { for i in 0..<d { row[i] /= norm } }
        }
    }

    /// `queries` (`[q × d]`) with every query scaled to unit length.
    static func normalizedQueries(_ queries: [Float], dimension d: Int) -> [Float] {
        var out = queries
        out.withUnsafeMutableBufferPointer { normalizeQueries($0.baseAddress!, count: $0.count / d, dimension: d) }
        return out
    }
}
