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

    /// `Σ row[i] · query[i]` for `i < d`, float16 row converted on the fly.
    @inline(__always)
    static func dot(_ row: UnsafePointer<Float16>, _ query: UnsafePointer<Float>, _ d: Int) -> Float {
        let r = UnsafeRawPointer(row), q = UnsafeRawPointer(query)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        while i + 32 <= d {
            let h = i * 2, f = i * 4
            a0.addProduct(SIMD8<Float>(r.loadUnaligned(fromByteOffset: h, as: SIMD8<Float16>.self)),
                          q.loadUnaligned(fromByteOffset: f, as: SIMD8<Float>.self))
            a1.addProduct(SIMD8<Float>(r.loadUnaligned(fromByteOffset: h + 16, as: SIMD8<Float16>.self)),
                          q.loadUnaligned(fromByteOffset: f + 32, as: SIMD8<Float>.self))
            a2.addProduct(SIMD8<Float>(r.loadUnaligned(fromByteOffset: h + 32, as: SIMD8<Float16>.self)),
                          q.loadUnaligned(fromByteOffset: f + 64, as: SIMD8<Float>.self))
            a3.addProduct(SIMD8<Float>(r.loadUnaligned(fromByteOffset: h + 48, as: SIMD8<Float16>.self)),
                          q.loadUnaligned(fromByteOffset: f + 96, as: SIMD8<Float>.self))
            i += 32
        }
        while i + 8 <= d {
            a0.addProduct(SIMD8<Float>(r.loadUnaligned(fromByteOffset: i * 2, as: SIMD8<Float16>.self)),
                          q.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            i += 8
        }
        var sum = ((a0 + a1) + (a2 + a3)).sum()
        while i < d {
            sum += Float(row[i]) * query[i]
            i += 1
        }
        return sum
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
