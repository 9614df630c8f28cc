/// Unaligned SIMD8 loads/stores and ReLU6 for the hand-vectorised kernels (written with masks so that
/// they compile to vector compare/blend; the generic `clamped` is not inlined).
@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

@inline(__always) func relu6(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let zero = SIMD8<Float>(repeating: 0), six = SIMD8<Float>(repeating: 6)
    return x.replacing(with: zero, where: x .< zero).replacing(with: six, where: x .> six)
}
