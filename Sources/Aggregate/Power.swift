#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The exponent of the `power` rule, decided once per aggregator: small integer exponents (the usual
/// p = 8) use repeated squaring; others call the C library's `powf` — the module's only C call, wrapped
/// here.
enum PowerExponent: Sendable {
    case integer(Int)
    case real(Float)

    init(_ p: Float) {
        self = p == p.rounded() && p >= 1 && p <= 64 ? .integer(Int(p)) : .real(p)
    }

    /// max(s, 0)^p.
    @inline(__always)
    func clippedPower(_ s: Float) -> Float {
        guard s > 0 else { return 0 }
        switch self {
        case .integer(var n):
            var base = s, result: Float = 1
            while n > 0 {
                if n & 1 == 1 { result *= base }
                base *= base
                n >>= 1
            }
            return result
        case .real(let p):
            return powf(s, p)
        }
    }
}
