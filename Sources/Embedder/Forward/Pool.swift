import Foundation

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

extension Pool {
    /// The floor GeM raises instead of 0 (as in the GeM paper), so that the p-th root stays defined.
    static let gemFloor: Float = 1e-6

    /// `out[c] = (mean over pixels of max(relu6(x[p][c] + bias[c]), ε)^e)^(1/e)`: generalized-mean (GeM)
    /// pooling of the head's activation; e = 1 is the average pool (up to ε).
    static func generalizedMeanReLU6(_ x: UnsafePointer<Float>, pixels: Int, channels: Int, bias: UnsafePointer<Float>,
                                     exponent e: Float, into out: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(pixels), root = 1 / e
        var c = 0
        if e == 3 {  // the usual exponent, vectorised: x·x·x
            let floor = SIMD8<Float>(repeating: gemFloor)
            while c + 8 <= channels {
                let b = load8(bias + c)
                var sum = SIMD8<Float>(repeating: 0)
                for p in 0..<pixels {
                    let v = pointwiseMax(relu6(load8(x + p * channels + c) + b), floor)
                    sum += v * v * v
                }
                for i in 0..<8 { out[c + i] = Foundation.pow(sum[i] * scale, root) }
                c += 8
            }
        }
        while c < channels {
            var sum: Float = 0
            for p in 0..<pixels {
                sum += Foundation.pow(max(min(max(x[p * channels + c] + bias[c], 0), 6), gemFloor), e)
            }
            out[c] = Foundation.pow(sum * scale, root)
            c += 1
        }
    }
}
