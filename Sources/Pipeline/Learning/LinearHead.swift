import Aggregate
import Foundation
import LinearAlgebra
import ShardedIndex

/// A linear classifier on frozen embeddings: class c scores xᵀW_c + b_c. `weights` is C × d (one row per
/// class), `classIDs` the index's id of each row's class. Made by `HeadFit`, stored by `HeadFile`.
public struct LinearHead: Sendable {
    public let dimension: Int
    public let classIDs: [Int32]
    public let classNames: [String]
    public let weights: [Float]
    public let bias: [Float]
    /// The ridge penalty it was fitted with.
    public let l2: Double
    /// Softmax temperature (scores divided by it before the softmax), calibrated on held-out rows.
    public let temperature: Float
    public let index: IndexIdentity
    public let model: Manifest.Model?

    public var classCount: Int { classIDs.count }

    /// Queries scored per SGEMM (their C scores are held at once).
    static let queryChunk = 64

    /// Each query's `top` best classes (`count` embeddings of this head's dimension), best first; with
    /// `softmax`, the scores are the classes' softmax probabilities at the head's temperature.
    public func rank(_ embeddings: [Float], count: Int, top: Int, softmax: Bool = false) -> [[ClassScore]] {
        let d = dimension, classes = classCount
        var out: [[ClassScore]] = []
        out.reserveCapacity(count)
        var scores = [Float](repeating: 0, count: Self.queryChunk * classes)
        var start = 0
        while start < count {
            let q = min(Self.queryChunk, count - start)
            embeddings.withUnsafeBufferPointer { x in
                weights.withUnsafeBufferPointer { w in
                    scores.withUnsafeMutableBufferPointer { s in
                        BLAS.gemm(m: q, n: classes, k: d, a: x.baseAddress! + start * d, lda: d, b: w.baseAddress!, ldb: d,
                                  transposeB: true, c: s.baseAddress!, ldc: classes)
                    }
                }
            }
            for j in 0..<q {
                let row = scores[(j * classes)..<((j + 1) * classes)]
                out.append(best(row, top: top, softmax: softmax))
            }
            start += q
        }
        return out
    }

    /// The `top` classes of one query's raw scores (bias added here).
    private func best(_ row: ArraySlice<Float>, top: Int, softmax: Bool) -> [ClassScore] {
        var kept: [(score: Float, column: Int)] = []
        kept.reserveCapacity(top + 1)
        var maximum = -Float.infinity
        for (c, raw) in zip(0..., row) {
            let s = raw + bias[c]
            maximum = max(maximum, s)
            if kept.count == top, let last = kept.last, !(s > last.score) { continue }
            let at = kept.firstIndex { s > $0.score } ?? kept.count
            kept.insert((s, c), at: at)
            if kept.count > top { kept.removeLast() }
        }
        var normalizer: Float = 1
        if softmax {
            var sum: Double = 0
            for (c, raw) in zip(0..., row) { sum += Double(expf((raw + bias[c] - maximum) / temperature)) }
            normalizer = Float(sum)
        }
        return kept.map { entry in
            ClassScore(classID: classIDs[entry.column],
                       score: softmax ? expf((entry.score - maximum) / temperature) / normalizer : entry.score)
        }
    }

    /// Refuses an index other than the one this head was fitted on (or one changed since).
    public func check(against manifest: Manifest, index: URL, head file: String) throws {
        let current = IndexIdentity(manifest)
        guard current == self.index else {
            throw HeadError(file: file, reason: "fitted on index \(self.index), but \(index.path) is at \(current): refit with cbr head fit")
        }
        guard manifest.dimension == dimension else {
            throw HeadError(file: file, reason: "d = \(dimension), the index's is \(manifest.dimension)")
        }
        if let model, let recorded = manifest.model, model.checksum != recorded.checksum {
            throw HeadError(file: file, reason: "fitted with model \(model.name) \(model.checksum), the index records \(recorded.checksum)")
        }
        for (id, name) in zip(classIDs, classNames) {
            guard Int(id) >= 0, Int(id) < manifest.classes.count, manifest.classes[Int(id)].name == name,
                  !manifest.classes[Int(id)].removed else {
                throw HeadError(file: file, reason: "class \(name) (id \(id)) is not a live class of \(index.path)")
            }
        }
    }
}

/// A head file that cannot be used: the file and the reason, one line.
public struct HeadError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let reason: String
    public var description: String { "\(file): \(reason)" }
}
