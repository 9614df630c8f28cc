import Foundation
import LinearAlgebra

/// λ chosen by K-fold cross-validation on a sample of the index's rows, reusing the full fit's statistics:
/// fold f's training system is Gc − X̃_fᵀX̃_f + λI and its targets B − (the fold rows' one-hot sums), so no
/// second pass over the shards and no per-fold copy of B. The held-out scores are X̃_f W_train
/// = Zᵀ B_trainᵀ with Z = (Gc − G_f + λI)⁻¹ X̃_fᵀ: one `sposv` with the fold's rows as right-hand sides, one
/// SGEMM against B (m × C) and an m × m correction for the fold's own rows. With a sample of every row this
/// is exact K-fold CV (under the global centring); on a large index it is exact for the held-out sample.
struct RidgeCrossValidation {
    struct Point: Sendable, Codable {
        var lambda: Double
        var accuracy: Double
    }

    /// λ / (mean diagonal of Gc) tried by `auto`.
    static let grid: [Double] = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10]

    let solver: RidgeSolver
    let counts: [Int]
    /// Each fold's centred rows (m × d), their head columns and their Gram matrix.
    private let parts: [(rows: [Float], columns: [Int], gram: [Double])]

    init(_ solver: RidgeSolver, sample: [Float], columns: [Int], counts: [Int], folds: Int) {
        let d = solver.dimension
        self.solver = solver
        self.counts = counts
        parts = (0..<folds).map { f in
            let members = Array(stride(from: f, to: columns.count, by: folds))
            var rows = [Float](repeating: 0, count: members.count * d)
            for (k, v) in members.enumerated() { for i in 0..<d { rows[k * d + i] = sample[v * d + i] - solver.mean[i] } }
            let gram = rows.withUnsafeBufferPointer { BLAS.gram($0, rows: members.count, dimension: d) }
            return (rows, members.map { columns[$0] }, gram.map(Double.init))
        }.filter { !$0.columns.isEmpty }
    }

    /// Held-out accuracy for each λ of the grid (scaled by `solver.scale`).
    func run() throws -> [Point] {
        try Self.grid.map { factor in
            let lambda = factor * solver.scale
            var right = 0, asked = 0
            try forEachHeldOut(lambda: lambda) { scores, truth in
                var best = scores.startIndex
                for c in scores.indices where scores[c] > scores[best] { best = c }
                if best - scores.startIndex == truth { right += 1 }
                asked += 1
            }
            return Point(lambda: lambda, accuracy: asked > 0 ? Double(right) / Double(asked) : 0)
        }
    }

    /// The softmax temperature minimizing the held-out rows' negative log-likelihood at `lambda` (a
    /// log-spaced grid).
    func temperature(lambda: Double) throws -> Float {
        let grid: [Float] = (0...24).map { powf(10, -3 + Float($0) / 8) }
        var loss = [Double](repeating: 0, count: grid.count)
        var rows = 0
        try forEachHeldOut(lambda: lambda) { scores, truth in
            // C × 25 exponentials per row: a few hundred rows are enough for one number.
            rows += 1
            guard rows <= 256 else { return }
            let top = scores.max() ?? 0
            for (t, temperature) in grid.enumerated() {
                var sum: Double = 0
                for s in scores { sum += Double(expf((s - top) / temperature)) }
                loss[t] += log(sum) - Double((scores[scores.startIndex + truth] - top) / temperature)
            }
        }
        return grid[loss.indices.min { loss[$0] < loss[$1] } ?? 0]
    }

    /// Calls `body` with each held-out row's class scores (bias included) under the fold's training fit, and
    /// its true column.
    private func forEachHeldOut(lambda: Double, _ body: (ArraySlice<Float>, Int) -> Void) throws {
        let d = solver.dimension, classes = solver.classCount
        let total = counts.reduce(0, +)
        for part in parts {
            let m = part.columns.count
            let z = try LAPACK.solvePositiveDefinite(solver.system(lambda: lambda, minus: part.gram), n: d,
                                                     rhs: part.rows, count: m)
            var overlap = [Float](repeating: 0, count: m * m)
            z.withUnsafeBufferPointer { zp in
                part.rows.withUnsafeBufferPointer { x in
                    overlap.withUnsafeMutableBufferPointer { o in
                        BLAS.gemm(m: m, n: m, k: d, a: zp.baseAddress!, lda: d, b: x.baseAddress!, ldb: d,
                                  transposeB: true, c: o.baseAddress!, ldc: m)
                    }
                }
            }
            var held = [Int](repeating: 0, count: classes)
            for c in part.columns { held[c] += 1 }
            let remaining = Float(max(1, total - m))
            // Held-out rows scored `chunk` at a time: chunk × C scores in memory, whatever m.
            let chunk = 256
            var scores = [Float](repeating: 0, count: min(m, chunk) * classes)
            for first in stride(from: 0, to: m, by: chunk) {
                let rows = min(chunk, m - first)
                z.withUnsafeBufferPointer { zp in
                    solver.targets.withUnsafeBufferPointer { b in
                        scores.withUnsafeMutableBufferPointer { s in
                            BLAS.gemm(m: rows, n: classes, k: d, a: zp.baseAddress! + first * d, lda: d, b: b.baseAddress!,
                                      ldb: d, transposeB: true, c: s.baseAddress!, ldc: classes)
                        }
                    }
                }
                for r in 0..<rows {
                    let v = first + r
                    // The fold's own rows taken out of the targets, and the training set's class priors added.
                    for (u, c) in part.columns.enumerated() { scores[r * classes + c] -= overlap[v * m + u] }
                    for c in 0..<classes { scores[r * classes + c] += Float(counts[c] - held[c]) / remaining }
                    body(scores[(r * classes)..<((r + 1) * classes)], part.columns[v])
                }
            }
        }
    }

    /// The best point: highest accuracy, the larger λ on a tie (the smoother head).
    static func best(_ points: [Point]) -> Point? {
        points.max { ($0.accuracy, $0.lambda) < ($1.accuracy, $1.lambda) }
    }
}
