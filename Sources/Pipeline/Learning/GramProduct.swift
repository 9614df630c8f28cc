import LinearAlgebra

/// Pᵀ P for `rows` × `dimension` row-major P, by one SGEMM (the transpose made once into `scratch`).
enum GramProduct {
    static func of(_ p: UnsafeBufferPointer<Float>, rows n: Int, dimension d: Int, scratch: inout [Float]) -> [Float] {
        var c = [Float](repeating: 0, count: d * d)
        guard n > 0 else { return c }
        if scratch.count < n * d { scratch = [Float](repeating: 0, count: n * d) }
        for r in 0..<n { for i in 0..<d { scratch[i * n + r] = p[r * d + i] } }
        scratch.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { out in
                BLAS.gemm(m: d, n: d, k: n, a: a.baseAddress!, lda: n, b: p.baseAddress!, ldb: d,
                          c: out.baseAddress!, ldc: d)
            }
        }
        return c
    }
}
