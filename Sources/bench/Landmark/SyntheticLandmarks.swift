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
        return centres
    }

    /// Writes `count` rows of class `label` (its `first`-th row onwards) into `out`.
    func generateRows(label: Int, first: Int, count: Int, centres: UnsafePointer<Float>,
                      into out: UnsafeMutablePointer<Float>) {
        let d = dimension
        let noise = imageNoise / Float(d).squareRoot()
        let centre = centres + label * d
        for i in 0..<count {
            var rng = Xoshiro256(seed: seed ^ (UInt64(label) << 24) ^ UInt64(first + i))
            fillNormalized(out + i * d, d) { j in centre[j] + noise * rng.nextGaussian() }
        }
    }

    /// Query images: new draws (not indexed rows) of classes chosen uniformly, as landmark queries are.
    func queries(count: Int, centres: UnsafePointer<Float>) -> (vectors: [Float], labels: [Int32]) {
        var rng = Xoshiro256(seed: seed ^ 0x0E_0E0E_0E0E)
        let labels = (0..<count).map { _ in Int32(truncatingIfNeeded: Int(rng.next() % UInt64(classes))) }
        var vectors = [Float](repeating: 0, count: count * dimension)
        vectors.withUnsafeMutableBufferPointer { out in
            for (q, label) in labels.enumerated() {
                // Row numbers past the class's size: never an indexed image.
                generateRows(label: Int(label), first: 1 << 30 | q, count: 1, centres: centres,
                             into: out.baseAddress! + q * dimension)
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
