import CLAPACKE

/// A LAPACK routine that refused its input or did not converge.
public enum LAPACKError: Error, Equatable, CustomStringConvertible {
    /// A shape that LAPACK's 32-bit integers cannot describe, or buffers that do not match it.
    case badShape(routine: String, reason: String)
    /// LAPACK's `info`: negative when argument `-info` was illegal, positive for the routine's own failure
    /// (no convergence; for a definite matrix, the order of the leading minor that is not positive).
    case failed(routine: String, info: Int)

    public var description: String {
        switch self {
        case let .badShape(routine, reason): "\(routine): \(reason)"
        case let .failed(routine, info) where info < 0: "\(routine): argument \(-info) was illegal"
        case let .failed(routine, info): "\(routine): failed (info \(info): not converged, or not positive definite)"
        }
    }
}

/// The eigen-decomposition of a symmetric matrix: `values` ascending, and `vectors` row-major `n × n` with
/// row `j` the unit eigenvector (B-orthonormal, for the generalized problem) of `values[j]`.
public struct SymmetricEigen: Sendable {
    public let n: Int
    public let values: [Double]
    public let vectors: [Double]

    /// The eigenvector of `values[j]`.
    public func vector(_ j: Int) -> ArraySlice<Double> { vectors[(j * n)..<((j + 1) * n)] }
}

/// Every LAPACKE call cbr makes, each wrapped once. Symmetric matrices are passed as full `n × n` buffers;
/// only their upper triangle (in row-major terms) is read.
public enum LAPACK {
    /// `A x = λ x` for symmetric `a` (`dsyevr`, all eigenpairs).
    public static func symmetricEigen(_ a: [Double], n: Int) throws(LAPACKError) -> SymmetricEigen {
        let routine = "LAPACKE_dsyevr"
        let order = try dimension(n, of: a.count, routine: routine)
        var matrix = a
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: n * n)
        var support = [Int32](repeating: 0, count: 2 * max(1, n))
        var found: Int32 = 0
        // Column-major: the row-major upper triangle is the column-major lower one ("L"); each eigenvector is a
        // column of the column-major result, so a row of the row-major one.
        let info = LAPACKE_dsyevr(_cbr_lapack_col_major(), CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "A")),
                                  CChar(UInt8(ascii: "L")), order, &matrix, order, 0, 0, 0, 0, 0,
                                  &found, &values, &vectors, order, &support)
        guard info == 0 else { throw .failed(routine: routine, info: Int(info)) }
        guard Int(found) == n else { throw .failed(routine: routine, info: n - Int(found)) }
        return SymmetricEigen(n: n, values: values, vectors: vectors)
    }

    /// `A x = λ B x` for symmetric `a` and symmetric positive definite `b` (`dsygvd`, type 1). The vectors are
    /// B-orthonormal: `xᵀ B x = 1`.
    public static func generalizedSymmetricEigen(_ a: [Double], _ b: [Double], n: Int) throws(LAPACKError) -> SymmetricEigen {
        let routine = "LAPACKE_dsygvd"
        let order = try dimension(n, of: a.count, routine: routine)
        guard b.count == a.count else { throw .badShape(routine: routine, reason: "B has \(b.count) elements, A \(a.count)") }
        var matrix = a
        var metric = b
        var values = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsygvd(_cbr_lapack_col_major(), 1, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")),
                                  order, &matrix, order, &metric, order, &values)
        guard info == 0 else { throw .failed(routine: routine, info: Int(info)) }
        // dsygvd overwrites A with the eigenvectors, column by column (row by row, read row-major).
        return SymmetricEigen(n: n, values: values, vectors: matrix)
    }

    /// Solves `A X = B` for symmetric positive definite `a` (`n × n`) and `rhs` holding `count` right-hand sides
    /// of length `n`, one after another (`sposv`). Returns the solutions in the same layout: solution `j` at
    /// `j * n ..< (j + 1) * n`.
    public static func solvePositiveDefinite(_ a: [Float], n: Int, rhs: [Float], count: Int) throws(LAPACKError) -> [Float] {
        let routine = "LAPACKE_sposv"
        let order = try dimension(n, of: a.count, routine: routine)
        guard count >= 0, count <= Int(Int32.max), rhs.count == n * count else {
            throw .badShape(routine: routine, reason: "\(rhs.count) right-hand side values for \(count) of length \(n)")
        }
        guard count > 0 else { return [] }
        var matrix = a
        var solutions = rhs
        let info = LAPACKE_sposv(_cbr_lapack_col_major(), CChar(UInt8(ascii: "L")), order, Int32(count),
                                 &matrix, order, &solutions, order)
        guard info == 0 else { throw .failed(routine: routine, info: Int(info)) }
        return solutions
    }

    /// `n` as LAPACK's integer, after checking that an `n × n` matrix has `elements` values.
    private static func dimension(_ n: Int, of elements: Int, routine: String) throws(LAPACKError) -> Int32 {
        guard n > 0, n <= 46_340 else { throw .badShape(routine: routine, reason: "order \(n) outside 1...46340") }
        guard elements == n * n else { throw .badShape(routine: routine, reason: "\(elements) elements for order \(n)") }
        return Int32(n)
    }
}
