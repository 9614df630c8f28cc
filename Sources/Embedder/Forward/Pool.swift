enum Pool {
    /// `out[c] = mean over pixels of relu6(x[p][c] + bias[c])`: the head's activation fused into the pool.
    static func averageReLU6(_ x: UnsafePointer<Float>, pixels: Int, channels: Int, bias: UnsafePointer<Float>,
                             into out: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(pixels)
        var c = 0
        while c + 8 <= channels {
            let b = UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD8<Float>.self)
            var sum = SIMD8<Float>(repeating: 0)
            for p in 0..<pixels {
                let v = UnsafeRawPointer(x + p * channels + c).loadUnaligned(as: SIMD8<Float>.self)
                sum += relu6(v + b)
            }
            UnsafeMutableRawPointer(out + c).storeBytes(of: sum * scale, as: SIMD8<Float>.self)
            c += 8
        }
        while c < channels {
            var sum: Float = 0
            for p in 0..<pixels { sum += min(max(x[p * channels + c] + bias[c], 0), 6) }
            out[c] = sum * scale
            c += 1
        }
    }
}
