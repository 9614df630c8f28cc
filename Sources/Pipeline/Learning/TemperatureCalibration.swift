import Aggregate
import Foundation
import ShardedIndex

/// The softmax temperature of retrieval scores (`cbr suggest --by entropy|least-confidence`), calibrated on
/// the index's own rows: a seeded sample of rows is searched leave-one-out (each row's own hit dropped),
/// aggregated under the rule, and the temperature minimizing the negative log-likelihood of the true class
/// over a log-spaced grid is kept. Rows whose true class is not ranked at all are left out.
enum TemperatureCalibration {
    static let grid: [Float] = (0...32).map { powf(10, -3 + Float($0) / 8) }

    static func calibrate(index: URL, rule: AggregationRule, k: Int, threads: Int, sampleSize: Int = 256,
                          seed: UInt64 = 1) throws -> Float {
        let reader = try ShardedIndexReader(directory: index)
        let sample = try IndexSample.draw(reader, count: sampleSize, seed: seed)
        let count = sample.globalRows.count
        guard count > 0 else { return 1 }
        let mask = LabelMask(removed: reader.removedMask)
        let classes = ClassTable(reader.manifest.classes.filter { !$0.removed }.map { ($0.id, $0.name) })
        var aggregator = Aggregator(rule: rule, classes: classes)
        let rankings: [[ClassScore]]
        if rule.usesPrototypes {
            // Prototypes include the row itself; with many rows per class its share is small.
            let prototypes = try InMemoryRows(float32: try reader.prototypes(),
                                              labels: (0..<Int32(reader.manifest.classes.count)).map { $0 },
                                              dimension: reader.manifest.dimension)
            let found = try ExactSearch.search(queries: sample.rows, in: prototypes, options: SearchOptions(k: k, threads: threads, mask: mask))
            rankings = Classifier.rank(found, count: count, aggregator: aggregator, top: k)
        } else {
            // k + 1 neighbours, the query's own row dropped.
            let found = try ExactSearch.search(queries: sample.rows, in: reader, options: SearchOptions(k: k + 1, threads: threads, mask: mask))
            rankings = (0..<count).map { q in
                let others = found.neighbors(of: q).filter { !$0.isPadding && $0.row != Int64(sample.globalRows[q]) }.prefix(k)
                return aggregator.rank(others.map { ClassScore(classID: $0.label, score: $0.score) }, top: k)
            }
        }
        var loss = [Double](repeating: 0, count: grid.count)
        var used = 0
        for (ranking, truth) in zip(rankings, sample.classIDs) {
            guard let position = ranking.firstIndex(where: { $0.classID == truth }) else { continue }
            used += 1
            for (t, temperature) in grid.enumerated() {
                loss[t] -= log(max(1e-12, Uncertainty.softmax(ranking.map(\.score), temperature: temperature)[position]))
            }
        }
        guard used > 0 else { return 1 }
        return grid[loss.indices.min { loss[$0] < loss[$1] } ?? 0]
    }
}
