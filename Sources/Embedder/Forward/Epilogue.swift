/// The single pass that follows each SGEMM: bias + ReLU6 (expand, head, stem) or bias + residual
/// (project), over rows `[rowStart, rowEnd)` of a `[rows × channels]` matrix, 8 channels at a time.
enum Epilogue {
    static func biasReLU6(_ c: UnsafeMutablePointer<Float>, rows: Range<Int>, channels: Int,
                          bias: UnsafePointer<Float>) {
        let vectors = channels / 8
        let zero = SIMD8<Float>(repeating: 0), six = SIMD8<Float>(repeating: 6)
        for r in rows {
            let row = c + r * channels
            for v in 0..<vectors {
                let p = UnsafeMutableRawPointer(row + 8 * v)
                var x = p.loadUnaligned(as: SIMD8<Float>.self)
                x += UnsafeRawPointer(bias + 8 * v).loadUnaligned(as: SIMD8<Float>.self)
                x = x.clamped(lowerBound: zero, upperBound: six)
                p.storeBytes(of: x, as: SIMD8<Float>.self)
            }
            for ch in (8 * vectors)..<channels { row[ch] = min(max(row[ch] + bias[ch], 0), 6) }
        }
    }

    static func biasResidual(_ c: UnsafeMutablePointer<Float>, rows: Range<Int>, channels: Int,
                             bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?) {
        let vectors = channels / 8
        for r in rows {
            let row = c + r * channels
            let res = residual.map { $0 + r * channels }
            for v in 0..<vectors {
                let p = UnsafeMutableRawPointer(row + 8 * v)
                var x = p.loadUnaligned(as: SIMD8<Float>.self)
                x += UnsafeRawPointer(bias + 8 * v).loadUnaligned(as: SIMD8<Float>.self)
                if let res { x += UnsafeRawPointer(res + 8 * v).loadUnaligned(as: SIMD8<Float>.self) }
                p.storeBytes(of: x, as: SIMD8<Float>.self)
            }
            for ch in (8 * vectors)..<channels { row[ch] += bias[ch] + (res?[ch] ?? 0) }
        }
    }
}
