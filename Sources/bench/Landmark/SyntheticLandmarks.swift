import Foundation

/// A synthetic stand-in for a landmark collection's *embeddings* (not for a model): unit vectors grouped
/// into classes with a long-tailed size distribution, clustered so that nearest-neighbour classification is
/// meaningful but not trivial. Classes belong to regions (visually similar landmarks share a region), so
/// the hardest confusions are between classes of one region.
///
/// row = normalize(classCentre + noise · g),  classCentre = normalize(regionCentre + spread · g'),
/// with g, g' standard normal vectors. Everything is regenerated from the seed: class c's rows come from
/// its own generator stream, so blocks can be produced in any order and in parallel.
struct SyntheticLandmarks: Sendable {
    var rows: Int
    var classes: Int
    var dimension: Int
    var regions: Int
    /// Power-law exponent of class sizes by rank (GLDv2's sizes fall off roughly like this).
    var tailExponent: Double = 0.7
    var maxClassSize = 1_500
    var minClassSize = 2
    /// How far a class centre strays from its region centre (relative norm).
    var classSpread: Float = 0.9
    /// How far an image strays from its class centre (relative norm).
    var imageNoise: Float = 1.1
    var seed: UInt64 = 2026
    /// What makes class routing hard (all off for `bench landmark`; `bench route` turns them on):
    /// the fraction of classes with 2–4 visual modes, each mode `modeSpread` (relative norm) away from
    /// the class centre, so that the class mean sits between its modes;
    var multiModeFraction = 0.0
    var modeSpread: Float = 1.0
    /// the fraction of classes that nearly duplicate the previous class (centre `duplicateSpread` away);
    var nearDuplicateFraction = 0.0
    var duplicateSpread: Float = 0.15
    /// the fraction of queries drawn between two classes (normalized sum of a draw of each).
    var betweenFraction = 0.0
    /// Draw query noise from streams of their own. Off (for `bench landmark`'s figures), query q of class
    /// c + 64 shares its noise with row q of class c (the row seed XORs `c << 24` with `1 << 30 | q`),
    /// so that row, of another class, is often the query's nearest neighbour.
    var distinctQueryNoise = false

    /// GLDv2 train-clean's shape: 1,580,470 images in 81,313 classes, at the Lite0 embedding size.
    static func gldv2Clean(scale: Double = 1, dimension: Int = 1280) -> SyntheticLandmarks {
        let rows = Int((1_580_470 * scale).rounded())
        let classes = max(1, Int((81_313 * scale).rounded()))
        return SyntheticLandmarks(rows: rows, classes: classes, dimension: dimension,
                                  regions: max(1, classes / 80))
    }

    /// Images per class, largest first, summing exactly to `rows` (each class gets at least one).
    func classSizes() -> [Int] {
        precondition(rows >= classes, "need at least one image per class")
        let weights = (1...classes).map { pow(Double($0), -tailExponent) }
        func sizes(_ c: Double) -> [Int] {
            weights.map { min(maxClassSize, max(minClassSize, Int((c * $0).rounded()))) }
        }
        var low = 0.0, high = Double(rows)
        for _ in 0..<60 {
            let mid = (low + high) / 2
            if sizes(mid).reduce(0, +) < rows { low = mid } else { high = mid }
        }
        var result = sizes(low)
        var deficit = rows - result.reduce(0, +)
        var i = 0
        while deficit != 0 {
            let step = deficit > 0 ? 1 : -1
            if result[i] + step >= 1 {
                result[i] += step
                deficit -= step
            }
            i = (i + 1) % classes
        }
        return result
    }

    /// `classes × dimension` unit class centres.
    func classCentres() -> [Float] {
        let d = dimension
        var regionCentres = [Float](repeating: 0, count: regions * d)
        regionCentres.withUnsafeMutableBufferPointer { buffer in
            for r in 0..<regions {
                var rng = Xoshiro256(seed: seed ^ 0x5EED_0000 ^ UInt64(r))
                fillNormalized(buffer.baseAddress! + r * d, d) { _ in rng.nextGaussian() }
            }
        }
        var centres = [Float](repeating: 0, count: classes * d)
        let spread = classSpread / Float(d).squareRoot()
        let regionCount = regions
        regionCentres.withUnsafeBufferPointer { region in
            centres.withUnsafeMutableBufferPointer { out in
                let base = SharedPointer(out.baseAddress!), regionBase = SharedPointer(region.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: classes) { c in
                    var rng = Xoshiro256(seed: seed ^ 0xC1A5_5000_0000 ^ UInt64(c))
                    let parent = regionBase.pointer + (c % regionCount) * d
                    fillNormalized(base.pointer + c * d, d) { j in parent[j] + spread * rng.nextGaussian() }
                }
            }
        }
        // Near-duplicate classes: a centre next to the previous class's (in order, so chains stay close).
        let near = duplicateSpread / Float(d).squareRoot()
        centres.withUnsafeMutableBufferPointer { out in
            for c in 1..<max(1, classes) where Self.draw(c, salt: 0xD0B1, below: nearDuplicateFraction, seed: seed) {
                var rng = Xoshiro256(seed: seed ^ 0xD0B1_0000_0000 ^ UInt64(c))
                let previous = out.baseAddress! + (c - 1) * d
                fillNormalized(out.baseAddress! + c * d, d) { j in previous[j] + near * rng.nextGaussian() }
            }
        }
        return centres
    }

    /// Writes `count` rows of class `label` (its `first`-th row onwards) into `out`.
    func generateRows(label: Int, first: Int, count: Int, centres: UnsafePointer<Float>,
                      into out: UnsafeMutablePointer<Float>, salt: UInt64 = 0) {
        let d = dimension
        let noise = imageNoise / Float(d).squareRoot()
        let centre = centres + label * d
        let modes = modeCount(label)
        var modeCentre = [Float](repeating: 0, count: modes > 1 ? d : 0)
        for i in 0..<count {
            var rng = Xoshiro256(seed: seed ^ salt ^ (UInt64(label) << 24) ^ UInt64(first + i))
            guard modes > 1 else {
                fillNormalized(out + i * d, d) { j in centre[j] + noise * rng.nextGaussian() }
                continue
            }
            // Row i of the class belongs to mode i % modes, a fixed point `modeSpread` away from the centre.
            let mode = (first + i) % modes
            var modeRNG = Xoshiro256(seed: seed ^ 0x30DE_0000_0000 ^ (UInt64(label) << 3) ^ UInt64(mode))
            let spread = modeSpread / Float(d).squareRoot()
            modeCentre.withUnsafeMutableBufferPointer { m in
                fillNormalized(m.baseAddress!, d) { j in centre[j] + spread * modeRNG.nextGaussian() }
                fillNormalized(out + i * d, d) { j in m[j] + noise * rng.nextGaussian() }
            }
        }
    }

    /// Visual modes of class `label`: 1, or 2–4 for the `multiModeFraction` of classes.
    func modeCount(_ label: Int) -> Int {
        Self.draw(label, salt: 0x30DE, below: multiModeFraction, seed: seed) ? 2 + label % 3 : 1
    }

    /// A seeded coin: true for about `fraction` of the values `c`.
    static func draw(_ c: Int, salt: UInt64, below fraction: Double, seed: UInt64) -> Bool {
        guard fraction > 0 else { return false }
        var rng = Xoshiro256(seed: seed ^ (salt << 40) ^ UInt64(c))
        return Double(rng.next() >> 11) / Double(1 << 53) < fraction
    }

    /// Query images: new draws (not indexed rows) of classes chosen uniformly, as landmark queries are.
    func queries(count: Int, centres: UnsafePointer<Float>) -> (vectors: [Float], labels: [Int32]) {
        var rng = Xoshiro256(seed: seed ^ 0x0E_0E0E_0E0E)
        let labels = (0..<count).map { _ in Int32(truncatingIfNeeded: Int(rng.next() % UInt64(classes))) }
        var vectors = [Float](repeating: 0, count: count * dimension)
        vectors.withUnsafeMutableBufferPointer { out in
            for (q, label) in labels.enumerated() {
                // Row numbers past the class's size: never an indexed image.
                let target = out.baseAddress! + q * dimension
                let salt: UInt64 = distinctQueryNoise ? 0x9E37_79B9_0000_0000 : 0
                generateRows(label: Int(label), first: 1 << 30 | q, count: 1, centres: centres, into: target, salt: salt)
                guard classes > 1, Self.draw(q, salt: 0xB37E, below: betweenFraction, seed: seed) else { continue }
                // Between two classes: the sum of a draw of each, normalized (the label stays the first).
                var other = [Float](repeating: 0, count: dimension)
                let second = (Int(label) + 1 + Int(rng.next() % UInt64(classes - 1))) % classes
                generateRows(label: second, first: 1 << 29 | q, count: 1, centres: centres, into: &other, salt: salt)
                fillNormalized(target, dimension) { j in target[j] + other[j] }
            }
        }
        return (vectors, labels)
    }
}

/// Fills `d` floats with `value(j)` and scales them to unit length.
@inline(__always)
private func fillNormalized(_ out: UnsafeMutablePointer<Float>, _ d: Int, _ value: (Int) -> Float) {
    var norm: Float = 0
    for j in 0..<d {
        let v = value(j)
        out[j] = v
        norm += v * v
    }
    let scale = 1 / max(norm.squareRoot(), .leastNormalMagnitude)
    for j in 0..<d { out[j] *= scale }
}

/// A pointer handed to `concurrentPerform` workers that each touch a disjoint part of its memory.
struct SharedPointer<Pointee>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Pointee>
    init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
    init(_ pointer: UnsafePointer<Pointee>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
}
