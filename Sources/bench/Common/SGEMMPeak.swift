import LinearAlgebra
import Foundation

/// The machine's SGEMM ceiling, measured in the same run as the benchmark it is quoted against.
enum SGEMMPeak {
    /// Median GFLOP/s of `repeats` single-precision products C[m×n] = A[m×k]·B[k×n]
    /// (4096×4096×1280 by default, the shape RESULTS.md quotes the ceiling at) at `threads` OpenBLAS threads.
    static func measure(threads: Int, m: Int = 4096, n: Int = 4096, k: Int = 1280, repeats: Int = 5) -> Double {
        BLAS.threads = threads
        var rng = Xoshiro256(seed: 42)
        let a = (0..<(m * k)).map { _ in rng.nextGaussian() }
        let b = (0..<(k * n)).map { _ in rng.nextGaussian() }
        var c = [Float](repeating: 0, count: m * n)
        var rates: [Double] = []
        for trial in 0...repeats {
            let seconds = Stopwatch.time {
                c.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c.baseAddress!, ldc: n)
                }
            }
            if trial > 0 { rates.append(2 * Double(m) * Double(n) * Double(k) / seconds / 1e9) }  // first is warm-up
        }
        return median(rates)
    }
}

/// Monotonic wall-clock timing.
enum Stopwatch {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = now()
        try body()
        return Double(now() - start) / 1e9
    }
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
