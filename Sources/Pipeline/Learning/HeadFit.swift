import Foundation
import ShardedIndex

/// `cbr head fit`: a ridge head fitted on every live row of an index in one streaming pass (see
/// `RidgeStatistics`, `RidgeSolver`), λ given or chosen by K-fold cross-validation (`RidgeCrossValidation`).
public enum HeadFit {
    public enum Penalty: Sendable, Equatable {
        case fixed(Double)
        /// Chosen by cross-validation over `RidgeCrossValidation.grid`.
        case auto
    }

    /// `--cv-rows`: rows held out across the folds (the m × m overlap of a fold is held at once).
    public static let sampleLimit = 1...20_000

    public struct Options: Sendable {
        public var penalty: Penalty
        public var folds: Int
        /// Rows held out across the folds (all rows when the index has fewer).
        public var sampleRows: Int
        public var seed: UInt64

        public init(penalty: Penalty = .auto, folds: Int = 5, sampleRows: Int = 2000, seed: UInt64 = 1) {
            self.penalty = penalty
            self.folds = folds
            self.sampleRows = sampleRows
            self.seed = seed
        }
    }

    public struct Result: Sendable {
        public var head: LinearHead
        /// Rows and classes fitted.
        public var rows: Int
        /// Cross-validated accuracy per λ (empty without `auto` or a sample).
        public var validation: [(lambda: Double, accuracy: Double)]
        public var seconds: Double

        public var summary: String {
            var lines = [String(format: "fitted a ridge head on %d rows, %d classes, d = %d: λ = %.4g, temperature %.3g, %.1f s",
                                rows, head.classCount, head.dimension, head.l2, head.temperature, seconds)]
            if !validation.isEmpty {
                lines.append("λ          cross-validated top-1")
                lines += validation.map { String(format: "%-10.4g %.3f", $0.lambda, $0.accuracy) }
            }
            return lines.joined(separator: "\n")
        }
    }

    public static func fit(index: URL, options: Options) throws -> Result {
        let clock = Date()
        let reader = try ShardedIndexReader(directory: index)
        let manifest = reader.manifest
        guard options.folds >= 2 else { throw CLIError.usage("--folds must be at least 2 (got \(options.folds))") }
        guard manifest.classes.contains(where: { !$0.removed && $0.rows > 0 }) else {
            throw HeadError(file: index.path, reason: "the index holds no live rows to fit a head on")
        }
        guard manifest.classes.count <= Limits.valuesInMemory / manifest.dimension else {
            throw HeadError(file: index.path, reason: "\(manifest.classes.count) classes × d = \(manifest.dimension) exceed \(Limits.valuesInMemory) values")
        }
        let stats = try RidgeStatistics.gather(reader, sampleSize: options.sampleRows, seed: options.seed)
        var solver = RidgeSolver(stats)
        var validation: [RidgeCrossValidation.Point] = []
        var temperature: Float = 1
        let lambda: Double
        let sampled = stats.sampleColumns.count >= options.folds
        let cv = sampled ? RidgeCrossValidation(solver, sample: stats.sample, columns: stats.sampleColumns,
                                                counts: stats.counts, folds: options.folds) : nil
        switch options.penalty {
        case .fixed(let value):
            lambda = value
        case .auto:
            validation = try cv?.run() ?? []
            lambda = RidgeCrossValidation.best(validation)?.lambda ?? solver.scale * 0.1
        }
        if let cv, lambda > 0 || solver.scale > 0 { temperature = try cv.temperature(lambda: max(lambda, 1e-9)) }
        let (weights, bias) = try solver.solve(lambda: max(lambda, 0))
        let head = LinearHead(dimension: stats.dimension, classIDs: stats.classIDs,
                              classNames: stats.classIDs.map { manifest.classes[Int($0)].name },
                              weights: weights, bias: bias, l2: lambda, temperature: temperature,
                              index: IndexIdentity(manifest), model: manifest.model.map { Manifest.Model(name: $0.name, checksum: $0.checksum) })
        return Result(head: head, rows: stats.rowCount, validation: validation.map { ($0.lambda, $0.accuracy) },
                      seconds: Date().timeIntervalSince(clock))
    }
}
