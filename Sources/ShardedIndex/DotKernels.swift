/// Vectorised inner products and float16 → float32 conversion (SIMD8, AVX2 + FMA + F16C in release builds).
enum DotKernels {
    /// `Σ row[i] · query[i]` for `i < d`, float32 row.
    @inline(__always)
    static func dot(_ row: UnsafePointer<Float>, _ query: UnsafePointer<Float>, _ d: Int) -> Float {
        let r = UnsafeRawPointer(row), q = UnsafeRawPointer(query)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        while i + 32 <= d {
            let o = i * 4
            a0.addProduct(r.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self),
                          q.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
            a1.addProduct(r.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self),
                          q.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self))
            a2.addProduct(r.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self),
                          q.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self))
            a3.addProduct(r.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self),
                          q.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self))
            i += 32
        }
        while i + 8 <= d {
            a0.addProduct(r.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                          q.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            i += 8
        }
        var sum = ((a0 + a1) + (a2 + a3)).sum()
        while i < d {
            sum += row[i] * query[i]
            i += 1
        }
        return sum
    }

    /// Dot products of two rows with one query: 8 independent accumulators (two FMA chains per row pair
    /// step keep both FMA units busy) and each query vector loaded once for both rows. `load` turns 8
    /// stored values at a byte offset into floats (a plain load, or an F16C conversion).
    @inline(__always)
    static func dot2<T>(_ rowA: UnsafePointer<T>, _ rowB: UnsafePointer<T>, _ query: UnsafePointer<Float>, _ d: Int,
                        _ load: (UnsafeRawPointer, Int) -> SIMD8<Float>, _ scalar: (T) -> Float) -> (Float, Float) {
        let a = UnsafeRawPointer(rowA), b = UnsafeRawPointer(rowB), q = UnsafeRawPointer(query)
        let width = MemoryLayout<T>.stride
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
        var i = 0
        while i + 32 <= d {
            let o = i * width, f = i * 4
            let q0 = q.loadUnaligned(fromByteOffset: f, as: SIMD8<Float>.self)
            let q1 = q.loadUnaligned(fromByteOffset: f + 32, as: SIMD8<Float>.self)
            let q2 = q.loadUnaligned(fromByteOffset: f + 64, as: SIMD8<Float>.self)
            let q3 = q.loadUnaligned(fromByteOffset: f + 96, as: SIMD8<Float>.self)
            a0.addProduct(load(a, o), q0)
            b0.addProduct(load(b, o), q0)
            a1.addProduct(load(a, o + 8 * width), q1)
            b1.addProduct(load(b, o + 8 * width), q1)
            a2.addProduct(load(a, o + 16 * width), q2)
            b2.addProduct(load(b, o + 16 * width), q2)
            a3.addProduct(load(a, o + 24 * width), q3)
            b3.addProduct(load(b, o + 24 * width), q3)
            i += 32
        }
        var sa = ((a0 + a1) + (a2 + a3)).sum(), sb = ((b0 + b1) + (b2 + b3)).sum()
        while i < d {
            sa += scalar(rowA[i]) * query[i]
            sb += scalar(rowB[i]) * query[i]
            i += 1
        }
        return (sa, sb)
    }

    @inline(__always)
    static func load8(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load8Half(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
        SIMD8<Float>(p.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float16>.self))
    }

    /// Converts `count` float16 values to float32.
    static func convert(_ source: UnsafePointer<Float16>, to target: UnsafeMutablePointer<Float>, count: Int) {
        convert(source, to: target, count: count, SIMD8<Float>.init, Float.init)
    }

    /// Converts `count` float32 values to float16 (round to nearest even).
    static func convert(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float16>, count: Int) {
        convert(source, to: target, count: count, SIMD8<Float16>.init, Float16.init)
    }

    /// Element-wise conversion, 8 lanes at a time (`vector`), the tail one by one (`scalar`).
    @inline(__always)
    private static func convert<S: SIMDScalar, T: SIMDScalar>(
        _ source: UnsafePointer<S>, to target: UnsafeMutablePointer<T>, count: Int,
        _ vector: (SIMD8<S>) -> SIMD8<T>, _ scalar: (S) -> T
    ) {
        let s = UnsafeRawPointer(source), t = UnsafeMutableRawPointer(target)
        var i = 0
        while i + 8 <= count {
            t.storeBytes(of: vector(s.loadUnaligned(fromByteOffset: i * MemoryLayout<S>.stride, as: SIMD8<S>.self)),
                         toByteOffset: i * MemoryLayout<T>.stride, as: SIMD8<T>.self)
            i += 8
        }
        while i < count {
            target[i] = scalar(source[i])
            i += 1
        }
    }
}
