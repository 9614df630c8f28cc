import Foundation
import LinearAlgebra

/// N-way K-shot episodes over a labelled set (the few-shot literature's protocol): each episode draws `ways`
/// classes among those with at least K + `queries` rows, then K support and `queries` query rows per
/// class, and scores three classifiers on the same draw: `max` (nearest support row: classification by
/// retrieval), `prototype` (ProtoNet: nearest normalized class mean) and `head` (ridge on the support set,
/// `EpisodeHead`). Accuracy is averaged over episodes with a 95 % confidence interval (1.96 σ / √N). Every
/// draw comes from `LearningRandom` seeded by the seed and K, so a run is reproducible from its seed.
public enum Episodes {
    public struct Options: Sendable {
        public var episodes: Int
        public var ways: Int
        public var shots: [Int]
        public var queries: Int
        public var seed: UInt64
        /// The head's ridge penalty, relative to the support set's mean squared norm after centring.
        public var l2: Double

        public init(episodes: Int = 1000, ways: Int = 5, shots: [Int] = [1, 5], queries: Int = 15, seed: UInt64 = 1,
                    l2: Double = 0.1) {
            self.episodes = episodes
            self.ways = ways
            self.shots = shots
            self.queries = queries
            self.seed = seed
            self.l2 = l2
        }
    }

    public static let methods = ["max", "prototype", "head"]

    public struct Row: Sendable, Codable, Equatable {
        public var shots: Int
        public var method: String
        public var accuracy: Double
        public var ci95: Double
        public var episodes: Int
    }

    public static func run(_ set: LabelledRows, options: Options) throws -> [Row] {
        guard options.episodes >= 1, options.ways >= 2, options.queries >= 1, options.shots.allSatisfy({ $0 >= 1 }),
              options.l2.isFinite, options.l2 > 0 else {
            throw CLIError.usage("episodes need at least 1 episode, 2 ways, 1 query and 1 shot, and a positive l2")
        }
        let byClass = set.rowsByClass
        // Matrices of a few dozen rows: OpenBLAS's threads would only spin.
        return try BLAS.withThreads(1) { try options.shots.flatMap { shots -> [Row] in
            let eligible = byClass.indices.filter { byClass[$0].count >= shots + options.queries }
            guard eligible.count >= options.ways else {
                throw CLIError.usage("\(options.ways)-way \(shots)-shot episodes with \(options.queries) queries need \(options.ways) classes of at least \(shots + options.queries) rows; the set has \(eligible.count)")
            }
            var generator = LearningRandom(seed: options.seed &+ UInt64(shots) &* 0x9E37_79B9)
            var accuracies = [[Double]](repeating: [], count: methods.count)
            for _ in 0..<options.episodes {
                let classes = generator.sample(options.ways, of: eligible.count).map { eligible[$0] }
                var support: [Int] = [], query: [Int] = []
                for c in classes {
                    let picked = generator.sample(shots + options.queries, of: byClass[c].count).map { byClass[c][$0] }
                    support += picked.prefix(shots)
                    query += picked.dropFirst(shots)
                }
                let scores = try EpisodeScores(set, support: support, query: query, ways: options.ways, shots: shots, l2: options.l2)
                for (m, table) in [scores.nearest, scores.prototype, scores.head].enumerated() {
                    accuracies[m].append(EpisodeScores.accuracy(table, ways: options.ways, queries: options.queries))
                }
            }
            return zip(methods, accuracies).map { method, values in
                let n = Double(values.count)
                let mean = values.reduce(0, +) / n
                let variance = n > 1 ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
                return Row(shots: shots, method: method, accuracy: mean, ci95: 1.96 * (variance / n).squareRoot(), episodes: values.count)
            }
        } }
    }

    public static func summary(_ rows: [Row], options: Options) -> String {
        var lines = ["\(options.ways)-way episodes: \(options.episodes) per shot count, \(options.queries) queries per class, seed \(options.seed)",
                     "shots  " + methods.map { $0.padding(toLength: 17, withPad: " ", startingAt: 0) }.joined()]
        for shots in options.shots {
            let cells = methods.map { method in
                rows.first { $0.shots == shots && $0.method == method }
                    .map { String(format: "%.3f ± %.3f", $0.accuracy, $0.ci95) } ?? "-"
            }
            lines.append(String(shots).padding(toLength: 7, withPad: " ", startingAt: 0)
                + cells.map { $0.padding(toLength: 17, withPad: " ", startingAt: 0) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

/// One episode's class scores (queries × ways, row-major) under each method.
struct EpisodeScores {
    var nearest: [Float]
    var prototype: [Float]
    var head: [Float]

    init(_ set: LabelledRows, support: [Int], query: [Int], ways: Int, shots: Int, l2: Double) throws {
        let d = set.dimension, n = support.count, q = query.count
        func gather(_ rows: [Int]) -> [Float] {
            var out = [Float](repeating: 0, count: rows.count * d)
            for (k, r) in rows.enumerated() { for i in 0..<d { out[k * d + i] = set.rows[r * d + i] } }
            return out
        }
        let s = gather(support), x = gather(query)
        let similarity = Self.product(x, q, s, n, d)
        nearest = [Float](repeating: -.infinity, count: q * ways)
        for v in 0..<q { for j in 0..<n { nearest[v * ways + j / shots] = max(nearest[v * ways + j / shots], similarity[v * n + j]) } }
        // Prototypes: each class's mean support row, normalized.
        var centres = [Float](repeating: 0, count: ways * d)
        for j in 0..<n { for i in 0..<d { centres[(j / shots) * d + i] += s[j * d + i] } }
        for c in 0..<ways {
            let norm = (0..<d).reduce(Float(0)) { $0 + centres[c * d + $1] * centres[c * d + $1] }.squareRoot()
            for i in 0..<d { centres[c * d + i] /= max(norm, 1e-12) }
        }
        prototype = Self.product(x, q, centres, ways, d)
        head = try EpisodeHead.scores(support: s, query: x, n: n, q: q, d: d, ways: ways, shots: shots, l2: l2)
    }

    /// a (ra × d) · bᵀ (rb × d).
    static func product(_ a: [Float], _ ra: Int, _ b: [Float], _ rb: Int, _ d: Int) -> [Float] {
        var c = [Float](repeating: 0, count: ra * rb)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.gemm(m: ra, n: rb, k: d, a: ap.baseAddress!, lda: d, b: bp.baseAddress!, ldb: d, transposeB: true,
                              c: cp.baseAddress!, ldc: rb)
                }
            }
        }
        return c
    }

    /// Share of queries (class-major: `queries` per class) whose best class (lowest index on a tie) is theirs.
    static func accuracy(_ scores: [Float], ways: Int, queries: Int) -> Double {
        let total = ways * queries
        var right = 0
        for v in 0..<total {
            var best = 0
            for c in 1..<ways where scores[v * ways + c] > scores[v * ways + best] { best = c }
            if best == v / queries { right += 1 }
        }
        return Double(right) / Double(max(1, total))
    }
}

/// Ridge on an episode's support set in its dual form (n = ways × shots ≤ d): with S̃ the centred support
/// rows, A = (S̃S̃ᵀ + λI)⁻¹ Y (one `sposv`, `ways` right-hand sides) and query scores X̃ S̃ᵀ A — the same
/// predictor as the primal (S̃ᵀS̃ + λI)⁻¹ S̃ᵀY at an n × n cost. λ = l2 × mean squared norm of S̃'s rows.
enum EpisodeHead {
    static func scores(support s: [Float], query x: [Float], n: Int, q: Int, d: Int, ways: Int, shots: Int,
                       l2: Double) throws -> [Float] {
        var mean = [Float](repeating: 0, count: d)
        for j in 0..<n { for i in 0..<d { mean[i] += s[j * d + i] / Float(n) } }
        let sc = (0..<(n * d)).map { s[$0] - mean[$0 % d] }
        let xc = (0..<(q * d)).map { x[$0] - mean[$0 % d] }
        var kernel = EpisodeScores.product(sc, n, sc, n, d)
        let scale = max(1e-6, (0..<n).reduce(Float(0)) { $0 + kernel[$1 * n + $1] } / Float(n))
        for j in 0..<n { kernel[j * n + j] += Float(l2) * scale }
        var targets = [Float](repeating: 0, count: ways * n)
        for j in 0..<n { targets[(j / shots) * n + j] = 1 }
        let dual = try LAPACK.solvePositiveDefinite(kernel, n: n, rhs: targets, count: ways)
        let cross = EpisodeScores.product(xc, q, sc, n, d)
        // scores = cross (q × n) · dual (stored ways × n, i.e. transposed).
        return EpisodeScores.product(cross, q, dual, ways, n)
    }
}
