/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64: fast, reproducible across runs and machines,
/// so a synthetic index and its queries can be regenerated from a seed.
struct Xoshiro256: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// An approximately standard normal sample: the Irwin–Hall sum of four 16-bit uniforms, centred and
    /// scaled to unit variance. Plenty for synthetic embeddings, and one generator step per sample.
    mutating func nextGaussian() -> Float {
        let bits = next()
        let sum = Float(bits & 0xFFFF) + Float((bits >> 16) & 0xFFFF)
            + Float((bits >> 32) & 0xFFFF) + Float(bits >> 48)
        return (sum / 65536 - 2) * 1.732_050_8
    }
}

extension Xoshiro256 {
    /// `count` unit vectors of dimension `d`, row-major: random directions for embedding-shaped test data.
    mutating func unitVectors(_ count: Int, _ d: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count * d)
        for r in 0..<count {
            var norm: Float = 0
            for j in 0..<d {
                let v = nextGaussian()
                out[r * d + j] = v
                norm += v * v
            }
            let scale = 1 / norm.squareRoot()
            for j in 0..<d { out[r * d + j] *= scale }
        }
        return out
    }
}
