import HDF5
import Testing

/// `HalfPrecision`, the one float16 buffer conversion (HDF5 reads and writes, float16 shards, the search's
/// scratch rows): lane for lane the same as Swift's scalar conversion, on every float16 value.
@Suite struct HalfPrecisionTests {
    /// Every float16 bit pattern; a count that is not a multiple of 8 so the scalar tail runs too.
    static let halves: [Float16] = (0..<65531).map { Float16(bitPattern: UInt16($0)) }

    @Test func widenEqualsScalarOnEveryHalf() {
        let halves = Self.halves
        var floats = [Float](repeating: 0, count: halves.count)
        halves.withUnsafeBufferPointer { source in
            floats.withUnsafeMutableBufferPointer { HalfPrecision.widen(source, into: $0) }
        }
        for (h, f) in zip(halves, floats) {
            if h.isNaN { #expect(f.isNaN) } else { #expect(f.bitPattern == Float(h).bitPattern, "\(h)") }
        }
    }

    @Test func narrowRoundsToNearestEvenAsScalar() {
        // Each finite half, the midpoint to the next one up (a tie: rounds to even), and values just either
        // side of it; beyond the largest half, infinity.
        var floats: [Float] = []
        for h in Self.halves where h.isFinite && h < .greatestFiniteMagnitude && h >= 0 {
            let low = Float(h), high = Float(h.nextUp), middle = (low + high) / 2
            floats += [low, middle, middle.nextDown, middle.nextUp, -middle]
        }
        floats += [65520, 1e6, -1e6, .infinity, 0x1p-25, 0x1p-26]
        let narrowed = HalfPrecision.narrowed(floats)
        #expect(narrowed.count == floats.count)
        var mismatches = 0
        for (f, h) in zip(floats, narrowed) where h.bitPattern != Float16(f).bitPattern { mismatches += 1 }
        #expect(mismatches == 0)
        #expect(narrowed[narrowed.count - 6] == .infinity)
        #expect(Float(narrowed[1]) == 0 && Float(narrowed[6]).bitPattern == Float(Float16(bitPattern: 2)).bitPattern)
    }
}
