import Foundation
import LinearAlgebra

/// How a projection is learned from an index's rows (`cbr index whiten`, docs/accuracy.md).
public struct WhiteningRecipe: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable { case pca, learned }

    public var method: Method
    /// Output dimensions (nil: the input's d, at most the live rows less one).
    public var dimensions: Int?
    /// pca: axis j is scaled by (λ_j + ridge · mean λ)^-shrinkage (0.5 whitens fully, 0 only rotates).
    public var shrinkage: Double
    /// The regulariser, as a fraction of the mean eigenvalue: pca adds it to every eigenvalue; learned adds
    /// it to the intra-class covariance's diagonal (classes of one row have no intra-class spread).
    public var ridge: Double

    public init(method: Method = .pca, dimensions: Int? = nil, shrinkage: Double = 0.5, ridge: Double? = nil) {
        self.method = method
        self.dimensions = dimensions
        self.shrinkage = shrinkage
        self.ridge = ridge ?? (method == .pca ? 0.01 : 0.1)
    }

    func validate() throws {
        guard shrinkage.isFinite, shrinkage >= 0, shrinkage <= 2 else { throw IndexError.badInput("shrinkage \(shrinkage) is outside 0…2") }
        guard ridge.isFinite, ridge >= 0, ridge <= 1000 else { throw IndexError.badInput("ridge \(ridge) is outside 0…1000") }
        if let dimensions, dimensions < 1 { throw IndexError.badInput("dimensions must be positive, got \(dimensions)") }
    }

    /// The projection these moments give.
    func learn(_ moments: RowMoments) throws -> Projection {
        try validate()
        let d = moments.dimension
        guard moments.count >= 2 else { throw IndexError.badInput("whitening needs at least 2 live rows, the index has \(moments.count)") }
        let D = min(dimensions ?? d, d, moments.count - 1)
        let total = moments.covariance
        let eigen: SymmetricEigen
        do {
            switch method {
            case .pca:
                eigen = try LAPACK.symmetricEigen(total, n: d)
            case .learned:
                var intra = moments.intraClassCovariance
                let trace = (0..<d).reduce(0.0) { $0 + intra[$1 * d + $1] } / Double(d)
                let floor = max(trace, (0..<d).reduce(0.0) { $0 + total[$1 * d + $1] } / Double(d) * 1e-3)
                for i in 0..<d { intra[i * d + i] += ridge * floor }
                eigen = try LAPACK.generalizedSymmetricEigen(total, intra, n: d)
            }
        } catch { throw IndexError.badInput("whitening: \(error)") }
        let meanValue = max(eigen.values.reduce(0, +) / Double(d), .leastNormalMagnitude)
        var matrix = [Float](repeating: 0, count: D * d)
        for j in 0..<D {
            let source = d - 1 - j  // values ascend: the largest first
            let scale: Double
            switch method {
            case .pca: scale = pow(max(eigen.values[source], 0) + ridge * meanValue, -shrinkage)
            case .learned: scale = 1
            }
            for (i, v) in eigen.vector(source).enumerated() { matrix[j * d + i] = Float(v * scale) }
        }
        return try Projection(mean: moments.mean.map(Float.init), matrix: matrix, outputDimension: D)
    }
}
