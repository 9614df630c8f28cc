import CBLAS
import Foundation

/// Every OpenBLAS call cbr makes, each wrapped once: the forward pass, the search and the benchmarks all
/// go through here, so the thread count has one owner and one rule.
public enum BLAS {
    /// Row-major float32 `c[m × n] = a[m × k] · op(b) + beta · c`, where `op(b)` is `b` (`[k × n]`, leading
    /// dimension `ldb`) or, with `transposeB`, `bᵀ` of `b` stored `[n × k]`.
    @inline(__always)
    public static func gemm(m: Int, n: Int, k: Int,
                            a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                            c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Row-major float32 `y[n] = x[k] · b + beta · y` for `b` stored `[k × n]` (leading dimension `ldb`): one row
    /// of `gemm`, without the packing of `b` that makes a one-row SGEMM slow.
    @inline(__always)
    public static func gemv(n: Int, k: Int, x: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                            y: UnsafeMutablePointer<Float>, beta: Float = 0) {
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), 1, b, Int32(ldb), x, 1, beta, y, 1)
    }

    /// The Gram matrix `c[d × d] = xᵀx` of row-major `x[n × d]`, whole (both triangles), by one SSYRK (half the
    /// work of an SGEMM, and no transposed copy of `x`). `n = 0` gives zeros.
    public static func gram(_ x: UnsafePointer<Float>, rows n: Int, dimension d: Int, into c: UnsafeMutablePointer<Float>) {
        guard d > 0 else { return }
        guard n > 0 else { c.update(repeating: 0, count: d * d); return }
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(n), 1, x, Int32(d), 0, c, Int32(d))
        for i in 0..<d {
            for j in (i + 1)..<d { c[j * d + i] = c[i * d + j] }
        }
    }

    /// `gram(_:rows:dimension:into:)` of the first `n × d` values of `x`, as a new `d × d` array.
    public static func gram(_ x: UnsafeBufferPointer<Float>, rows n: Int, dimension d: Int) -> [Float] {
        guard d > 0 else { return [] }
        var c = [Float](repeating: 0, count: d * d)
        guard n > 0, let base = x.baseAddress, x.count >= n * d else { return c }
        c.withUnsafeMutableBufferPointer { gram(base, rows: n, dimension: d, into: $0.baseAddress!) }
        return c
    }

    /// OpenBLAS's own thread count, process-wide. Setting it is a no-op when unchanged (OpenBLAS's setter
    /// is not free), and never goes below one.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            let count = max(1, newValue)
            if Int(openblas_get_num_threads()) != count { openblas_set_num_threads(Int32(count)) }
        }
    }

    /// Runs `body` with OpenBLAS limited to `count` threads (at most: while sections overlap, the smallest
    /// count asked by any of them holds), then, when the last overlapping section ends, restores the count
    /// from before the first. Sections run concurrently from several threads (searches in parallel tests, a
    /// server's requests): restoring each one's own "previous" count would hand a section still running the
    /// count another saved before it started, and OpenBLAS's threads would then run inside its workers.
    public static func withThreads<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        ThreadSections.shared.enter(max(1, count))
        defer { ThreadSections.shared.leave(max(1, count)) }
        return try body()
    }

    /// OpenBLAS's build configuration, which names the kernels it picked for this CPU.
    public static var configuration: String? { openblas_get_config().map { String(cString: $0) } }
}

/// The open `BLAS.withThreads` sections, process-wide, under one lock.
private final class ThreadSections: @unchecked Sendable {
    static let shared = ThreadSections()
    private let lock = NSLock()
    /// Counts asked by the open sections.
    private var open: [Int] = []
    /// OpenBLAS's count before the first open section.
    private var base = 0

    func enter(_ count: Int) {
        lock.lock()
        defer { lock.unlock() }
        if open.isEmpty { base = BLAS.threads }
        open.append(count)
        BLAS.threads = open.min() ?? count
    }

    func leave(_ count: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let i = open.firstIndex(of: count) { open.remove(at: i) }
        BLAS.threads = open.min() ?? base
    }
}
