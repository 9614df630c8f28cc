import Foundation
import LinearAlgebra

/// Closed-form ridge regression of one-hot class targets on centred embeddings:
/// W = (Xcᵀ Xc + λI)⁻¹ Xcᵀ Y, with Xc = X − 1μᵀ, so Gc = G − N μμᵀ and the class-c row of (XcᵀY)ᵀ is
/// S_c − n_c μ. The bias (the unpenalized intercept) is then b_c = n_c / N − μᵀW_c, so a query x scores
/// xᵀW_c + b_c. One Cholesky solve (`sposv`) per chunk of classes: W is C × d, never C × N.
struct RidgeSolver {
    let dimension: Int
    /// Centred Gram matrix Gc (d × d).
    let gram: [Double]
    let mean: [Float]
    /// Class priors n_c / N.
    let prior: [Float]
    /// Centred targets S_c − n_c μ (C × d).
    var targets: [Float]

    /// Classes solved per `sposv` call.
    static let chunk = 4096

    init(_ stats: RidgeStatistics) {
        let d = stats.dimension
        let n = Double(max(1, stats.rowCount))
        let mean = stats.total.map { $0 / n }
        var gram = stats.gram
        for i in 0..<d { for j in 0..<d { gram[i * d + j] -= n * mean[i] * mean[j] } }
        var targets = stats.sums
        for c in 0..<stats.classCount {
            let count = Float(stats.counts[c])
            for i in 0..<d { targets[c * d + i] -= count * Float(mean[i]) }
        }
        dimension = d
        self.gram = gram
        self.mean = mean.map(Float.init)
        prior = stats.counts.map { Float(Double($0) / n) }
        self.targets = targets
    }

    var classCount: Int { prior.count }

    /// Mean diagonal of Gc: the scale of the λ grid.
    var scale: Double { max(1e-12, (0..<dimension).reduce(0) { $0 + gram[$1 * dimension + $1] } / Double(dimension)) }

    /// `gram + λI − extra`, in float for LAPACK.
    func system(lambda: Double, minus extra: [Double]? = nil) -> [Float] {
        let d = dimension
        var a = [Float](repeating: 0, count: d * d)
        for i in 0..<(d * d) { a[i] = Float(gram[i] - (extra?[i] ?? 0)) }
        for i in 0..<d { a[i * d + i] += Float(lambda) }
        return a
    }

    /// W (C × d) and the bias, solving chunk by chunk; consumes the targets (their memory becomes W).
    mutating func solve(lambda: Double) throws -> (weights: [Float], bias: [Float]) {
        let d = dimension
        let a = system(lambda: lambda)
        var start = 0
        while start < classCount {
            let count = min(Self.chunk, classCount - start)
            let rhs = Array(targets[(start * d)..<((start + count) * d)])
            let solution = try LAPACK.solvePositiveDefinite(a, n: d, rhs: rhs, count: count)
            targets.replaceSubrange((start * d)..<((start + count) * d), with: solution)
            start += count
        }
        let weights = targets
        targets = []
        var bias = prior
        for c in 0..<classCount {
            var dot: Float = 0
            for i in 0..<d { dot += mean[i] * weights[c * d + i] }
            bias[c] -= dot
        }
        return (weights, bias)
    }
}
