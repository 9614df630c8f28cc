/// Vectorised inner products (SIMD8, AVX2 + FMA + F16C in release builds); float16 rows are widened as they
/// load. Whole-buffer conversion is `HalfPrecision`'s (module HDF5).
enum DotKernels {
    /// Dot product of one row with one query: 8 independent accumulators (both FMA units busy).
    @inline(__always)
    static func dot1<T>(_ row: UnsafePointer<T>, _ query: UnsafePointer<Float>, _ d: Int,
                        _ load: (UnsafeRawPointer, Int) -> SIMD8<Float>, _ scalar: (T) -> Float) -> Float {
        let a = UnsafeRawPointer(row), q = UnsafeRawPointer(query)
        let width = MemoryLayout<T>.stride
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        var i = 0
        while i + 64 <= d {
            let o = i * width, f = i * 4
            a0.addProduct(load(a, o), q.loadUnaligned(fromByteOffset: f, as: SIMD8<Float>.self))
            a1.addProduct(load(a, o + 8 * width), q.loadUnaligned(fromByteOffset: f + 32, as: SIMD8<Float>.self))
            a2.addProduct(load(a, o + 16 * width), q.loadUnaligned(fromByteOffset: f + 64, as: SIMD8<Float>.self))
            a3.addProduct(load(a, o + 24 * width), q.loadUnaligned(fromByteOffset: f + 96, as: SIMD8<Float>.self))
            a4.addProduct(load(a, o + 32 * width), q.loadUnaligned(fromByteOffset: f + 128, as: SIMD8<Float>.self))
            a5.addProduct(load(a, o + 40 * width), q.loadUnaligned(fromByteOffset: f + 160, as: SIMD8<Float>.self))
            a6.addProduct(load(a, o + 48 * width), q.loadUnaligned(fromByteOffset: f + 192, as: SIMD8<Float>.self))
            a7.addProduct(load(a, o + 56 * width), q.loadUnaligned(fromByteOffset: f + 224, as: SIMD8<Float>.self))
            i += 64
        }
        while i + 8 <= d {
            a0.addProduct(load(a, i * width), q.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            i += 8
        }
        var sum = (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))).sum()
        while i < d {
            sum += scalar(row[i]) * query[i]
            i += 1
        }
        return sum
    }

    @inline(__always)
    static func load8(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load8Half(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
        SIMD8<Float>(p.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float16>.self))
    }
}
