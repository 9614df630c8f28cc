/// The seeded generator of the learning commands (episodes, cross-validation folds, random baselines):
/// xorshift64*, so a run is reproducible from its seed on every platform.
public struct LearningRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed == 0 ? 0x2545_F491_4F6C_DD1D : seed ^ 0x9E37_79B9_7F4A_7C15 }

    public mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// `count` distinct numbers from `0..<range` (partial Fisher–Yates over a sparse map: O(count) memory).
    public mutating func sample(_ count: Int, of range: Int) -> [Int] {
        var swapped: [Int: Int] = [:]
        var out: [Int] = []
        out.reserveCapacity(max(0, min(count, range)))
        for i in 0..<max(0, min(count, range)) {
            let j = Int.random(in: i..<range, using: &self)
            let a = swapped[i] ?? i, b = swapped[j] ?? j
            swapped[j] = a
            out.append(b)
        }
        return out
    }
}
