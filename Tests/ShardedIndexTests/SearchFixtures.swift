import Foundation
import ShardedIndex

/// Embedding-shaped test data: unit vectors scattered around random cluster centres (a kernel test on
/// data shaped like embeddings — not a stand-in for a model), from a seeded generator.
struct ClusteredData {
    var rows: [Float]
    var labels: [Int32]
    var count: Int
    var dimension: Int

    init(count: Int, dimension d: Int, clusters: Int, seed: UInt64, duplicates: Int = 0) {
        var rng = SplitMix64(seed: seed)
        let centres = (0..<clusters).map { _ in unit((0..<d).map { _ in rng.gaussian() }) }
        var rows: [Float] = []
        var labels: [Int32] = []
        rows.reserveCapacity(count * d)
        for r in 0..<count {
            if r >= count - duplicates, r > 0 {
                // Exact copies of earlier rows: equal scores, so ties are exercised.
                let source = Int(rng.next() % UInt64(r))
                rows += rows[source * d ..< (source + 1) * d]
                labels.append(labels[source])
                continue
            }
            let c = Int(rng.next() % UInt64(clusters))
            rows += unit(centres[c].map { $0 + 0.6 * rng.gaussian() / Float(d).squareRoot() })
            labels.append(Int32(c))
        }
        self.rows = rows
        self.labels = labels
        self.count = count
        self.dimension = d
    }

    /// `count` queries near the same kind of clusters (a different seed), optionally not unit length.
    static func queries(count: Int, dimension d: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        ClusteredData(count: count, dimension: d, clusters: 5, seed: seed).rows.map { $0 * scale }
    }

    func source(_ type: ScalarType) throws -> InMemoryRows {
        try InMemoryRows(rows: rows, labels: labels, dimension: dimension, as: type)
    }
}

/// Rows near chosen directions of a small space (axes, or an axis tilted toward another), written to an
/// index compacted by class: data whose visual modes a test places by hand.
struct AxisRows {
    let dimension: Int
    var rng: SplitMix64
    var rows: [Float] = []
    var names: [String] = []

    init(dimension: Int, seed: UInt64) {
        self.dimension = dimension
        rng = SplitMix64(seed: seed)
    }

    /// `e_i`, or `e_i + w e_j`.
    func axis(_ i: Int, _ j: Int? = nil, _ w: Float = 0) -> [Float] {
        (0..<dimension).map { $0 == i ? 1 : ($0 == j ? w : 0) }
    }

    /// A unit vector near `centre`.
    mutating func around(_ centre: [Float]) -> [Float] {
        let d = Float(dimension)
        return unit(centre.map { $0 + 0.15 * rng.gaussian() / d.squareRoot() })
    }

    /// `count` rows of class `name`, near `centres` in turn.
    mutating func add(_ count: Int, of name: String, near centres: [[Float]]) {
        for r in 0..<count {
            rows += around(centres[r % centres.count])
            names.append(name)
        }
    }

    /// An index of the rows in `dir`, compacted by class.
    func index(at dir: URL) throws -> IndexWriter {
        let writer = try IndexWriter.create(at: dir, dimension: dimension)
        try rows.withUnsafeBufferPointer {
            try writer.append(rows: $0, classNames: names, ids: (0..<names.count).map { "r\($0)" })
        }
        try writer.compactByClass()
        return writer
    }
}

func unit(_ v: [Float]) -> [Float] {
    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return v.map { $0 / norm }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Box–Muller.
    mutating func gaussian() -> Float {
        let u1 = (Double(next() >> 11) + 1) / 9_007_199_254_740_992
        let u2 = Double(next() >> 11) / 9_007_199_254_740_992
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Brute force in double precision: every row's score against every query, from the rows as the index
/// stores them (float16 rows rounded first, so the reference checks the kernel, not the rounding).
struct Reference {
    let scores: [[Double]] // [query][row]

    init(data: ClusteredData, type: ScalarType, queries: [Float], normalize: Bool = false) {
        let d = data.dimension
        let stored: [Double] = type == .float32 ? data.rows.map(Double.init) : data.rows.map { Double(Float(Float16($0))) }
        let q = queries.count / d
        scores = (0..<q).map { j in
            var query = queries[j * d ..< (j + 1) * d].map(Double.init)
            if normalize {
                let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { query = query.map { $0 / norm } }
            }
            return (0..<data.count).map { r in
                var s = 0.0
                for i in 0..<d { s += stored[r * d + i] * query[i] }
                return s
            }
        }
    }

    /// The reference top-k scores of `query` (rows allowed by `valid`), best first.
    func topScores(_ query: Int, k: Int, valid: (Int) -> Bool) -> [Double] {
        Array(scores[query].indices.filter(valid).map { scores[query][$0] }.sorted(by: >).prefix(k))
    }
}
