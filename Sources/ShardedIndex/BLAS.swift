import CBLAS

/// The OpenBLAS calls the search makes, each wrapped once.
enum BLAS {
    /// `c[m × n] = a[m × k] · b[n × k]ᵀ`, all row-major float32 (`lda = ldb = k`, `ldc` given).
    static func multiplyTransposed(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(k), 0, c, Int32(ldc))
    }

    /// OpenBLAS's own thread count, process-wide.
    static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Runs `body` with OpenBLAS limited to `count` threads, then restores the previous count.
    static func withThreads<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        let previous = threads
        if previous != count { threads = count }
        defer { if previous != count { threads = previous } }
        return try body()
    }
}
