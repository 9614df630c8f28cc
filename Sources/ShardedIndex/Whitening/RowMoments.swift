import Foundation
import HDF5
import LinearAlgebra

/// First and second moments of an index's live rows, in one streamed pass: the sum, `XᵀX` (each block's
/// product by SSYRK in float32, accumulated in Double), and each class's sum and count.
struct RowMoments {
    let dimension: Int
    private(set) var count = 0
    private(set) var sum: [Double]
    /// `dimension × dimension`, row-major.
    private(set) var gram: [Double]
    private(set) var classes: PrototypeSums

    init(dimension: Int, classCount: Int) {
        self.dimension = dimension
        sum = [Double](repeating: 0, count: dimension)
        gram = [Double](repeating: 0, count: dimension * dimension)
        classes = PrototypeSums(dimension: dimension, classCount: classCount)
    }

    /// Streams every shard of `manifest` (checksums verified) and adds the rows of live classes.
    static func of(_ manifest: Manifest, in directory: URL) throws -> RowMoments {
        let d = manifest.dimension
        var moments = RowMoments(dimension: d, classCount: manifest.classes.count)
        let removed = manifest.removedMask
        let state = StreamState(directory: directory, manifest: manifest, verify: true)
        let step = max(1, min(4096, (16 << 20) / (d * manifest.dtype.byteWidth)))
        var live = [Float](repeating: 0, count: step * d)
        var labels = [Int32](repeating: 0, count: step)
        try BlockStream.run(BlockPlan.make(manifest.shards, maxRows: step), maxRows: step, dimension: d,
                            dtype: manifest.dtype, fill: { try state.fill($0, $1) }) { block in
            var n = 0
            for r in 0..<block.count where !removed[Int(block.labels[r])] {
                live.withUnsafeMutableBufferPointer { out in
                    let row = UnsafeMutableBufferPointer(rebasing: out[(n * d)..<((n + 1) * d)])
                    switch block.rows {
                    case .float32(let rows): _ = row.update(fromContentsOf: rows[(r * d)..<((r + 1) * d)])
                    case .float16(let rows): HalfPrecision.widen(UnsafeBufferPointer(rebasing: rows[(r * d)..<((r + 1) * d)]), into: row)
                    }
                }
                labels[n] = block.labels[r]
                n += 1
            }
            guard n > 0 else { return }
            moments.add(live, labels: labels, count: n)
        }
        return moments
    }

    private mutating func add(_ rows: [Float], labels: [Int32], count n: Int) {
        let d = dimension
        let product = rows.withUnsafeBufferPointer { BLAS.gram($0, rows: n, dimension: d) }
        for i in 0..<(d * d) { gram[i] += Double(product[i]) }
        for r in 0..<n { for i in 0..<d { sum[i] += Double(rows[r * d + i]) } }
        rows.withUnsafeBufferPointer { buffer in
            labels.withUnsafeBufferPointer { labels in
                classes.add(RowBlock(firstRow: 0, count: n, dimension: d, rows: .float32(UnsafeBufferPointer(rebasing: buffer[0..<(n * d)])),
                                     labels: UnsafeBufferPointer(rebasing: labels[0..<n])))
            }
        }
        count += n
    }

    var mean: [Double] { sum.map { $0 / Double(max(count, 1)) } }

    /// The total covariance `XᵀX / N − μμᵀ`.
    var covariance: [Double] {
        let d = dimension, mu = mean, n = Double(max(count, 1))
        var c = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { c[i * d + j] = gram[i * d + j] / n - mu[i] * mu[j] } }
        return c
    }

    /// The intra-class covariance `(XᵀX − Σ_c s_c s_cᵀ / n_c) / N` (each row minus its class's mean).
    var intraClassCovariance: [Double] {
        let d = dimension, n = Double(max(count, 1))
        var between = [Double](repeating: 0, count: d * d)
        // Σ_c s_c s_cᵀ / n_c as one SGEMM of the scaled class sums (classes × d), in blocks of classes.
        let block = 4096
        var scaled = [Float](repeating: 0, count: block * d)
        var first = 0
        while first < classes.classCount {
            let m = min(block, classes.classCount - first)
            for c in 0..<m {
                let k = classes.counts[first + c]
                let scale = k > 0 ? Float(1 / Double(k).squareRoot()) : 0
                for i in 0..<d { scaled[c * d + i] = classes.sums[(first + c) * d + i] * scale }
            }
            let product = scaled.withUnsafeBufferPointer { BLAS.gram($0, rows: m, dimension: d) }
            for i in 0..<(d * d) { between[i] += Double(product[i]) }
            first += m
        }
        return (0..<(d * d)).map { (gram[$0] - between[$0]) / n }
    }
}
