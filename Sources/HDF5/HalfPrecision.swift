/// Float16 ⇄ Float conversion of whole buffers: the one conversion cbr has (HDF5's float16 reads and writes,
/// float16 shards written, searched and summed into prototypes). Eight lanes at a time — F16C's
/// vcvtph2ps / vcvtps2ph in release builds, which target x86-64-v3 — then the tail one by one; narrowing
/// rounds to nearest even, as numpy does.
public enum HalfPrecision {
    /// `target[i] = Float(source[i])`; the buffers have the same count.
    public static func widen(_ source: UnsafeBufferPointer<Float16>, into target: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == target.count)
        guard let s = source.baseAddress, let t = target.baseAddress else { return }
        convert(s, to: t, count: source.count, SIMD8<Float>.init, Float.init)
    }

    /// `target[i] = Float16(source[i])`; the buffers have the same count.
    public static func narrow(_ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float16>) {
        precondition(source.count == target.count)
        guard let s = source.baseAddress, let t = target.baseAddress else { return }
        convert(s, to: t, count: source.count, SIMD8<Float16>.init, Float16.init)
    }

    /// `values` narrowed to float16.
    public static func narrowed(_ values: [Float]) -> [Float16] {
        [Float16](unsafeUninitializedCapacity: values.count) { buffer, count in
            values.withUnsafeBufferPointer { narrow($0, into: buffer) }
            count = values.count
        }
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
