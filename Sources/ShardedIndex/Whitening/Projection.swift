import Foundation
import LinearAlgebra

/// A learned linear map of embeddings: `y = normalize(matrix · (x − mean))`, from d to D ≤ d dimensions.
/// The index's rows were written through it; queries go through it before a search.
public struct Projection: Sendable, Equatable {
    public let inputDimension: Int
    public let outputDimension: Int
    /// `inputDimension` values.
    public let mean: [Float]
    /// `outputDimension × inputDimension`, row-major: row j is the j-th projected axis.
    public let matrix: [Float]

    public init(mean: [Float], matrix: [Float], outputDimension: Int) throws {
        let d = mean.count
        guard d > 0, outputDimension > 0, outputDimension <= d, matrix.count == outputDimension * d else {
            throw IndexError.badInput("projection: \(matrix.count) values for \(outputDimension) × \(d)")
        }
        guard mean.allSatisfy(\.isFinite), matrix.allSatisfy(\.isFinite) else {
            throw IndexError.badInput("projection: a value is not finite")
        }
        inputDimension = d
        self.outputDimension = outputDimension
        self.mean = mean
        self.matrix = matrix
    }

    /// Projects `count` rows of `inputDimension` values (each L2-normalized first, as index rows are) and
    /// L2-normalizes each result.
    public func apply(_ rows: UnsafeBufferPointer<Float>, count: Int) -> [Float] {
        let d = inputDimension, D = outputDimension
        precondition(rows.count >= count * d, "projection input is \(rows.count) values for \(count) rows of d = \(d)")
        guard count > 0 else { return [] }
        var centred = [Float](repeating: 0, count: count * d)
        centred.withUnsafeMutableBufferPointer { c in
            _ = c.update(fromContentsOf: rows[0..<(count * d)])
            _ = RowMath.normalizeRows(c, rows: count, dimension: d)
            for r in 0..<count {
                for i in 0..<d { c[r * d + i] -= mean[i] }
            }
        }
        var out = [Float](repeating: 0, count: count * D)
        centred.withUnsafeBufferPointer { a in
            matrix.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(m: count, n: D, k: d, a: a.baseAddress!, lda: d, b: b.baseAddress!, ldb: d, transposeB: true,
                              c: c.baseAddress!, ldc: D)
                }
            }
        }
        out.withUnsafeMutableBufferPointer { _ = RowMath.normalizeRows($0, rows: count, dimension: D) }
        return out
    }

    public func apply(_ rows: [Float], count: Int) -> [Float] {
        rows.withUnsafeBufferPointer { apply($0, count: count) }
    }

    var checksum: CRC32 {
        var crc = CRC32()
        mean.withUnsafeBufferPointer { crc.update($0) }
        matrix.withUnsafeBufferPointer { crc.update($0) }
        return crc
    }
}
