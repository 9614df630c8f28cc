import CBLAS

/// The only place the forward pass calls OpenBLAS.
enum BLAS {
    /// Row-major `C[m×n] = A[m×k] · B[k×n] + beta · C`, no transposes.
    @inline(__always)
    static func gemm(m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// How many threads OpenBLAS uses for the calls that follow (process-wide).
    static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { if Int(openblas_get_num_threads()) != newValue { openblas_set_num_threads(Int32(newValue)) } }
    }
}
