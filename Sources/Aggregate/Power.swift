#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// max(s, 0)^p. Integer exponents (the usual p = 8) use repeated squaring; others call the C library's
/// `powf` — the module's only C call, wrapped here.
@inline(__always)
func clippedPower(_ s: Float, _ p: Float) -> Float {
    guard s > 0 else { return 0 }
    if p == p.rounded(), p >= 1, p <= 64 {
        var n = Int(p), base = s, result: Float = 1
        while n > 0 {
            if n & 1 == 1 { result *= base }
            base *= base
            n >>= 1
        }
        return result
    }
    return powf(s, p)
}
