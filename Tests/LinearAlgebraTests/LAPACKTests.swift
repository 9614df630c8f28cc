import Foundation
import Imaging
import LinearAlgebra
import Testing
import TestSupport

/// LAPACKE's eigen-decompositions and Cholesky solve against numpy, on covariances of real photo patches.
@Suite struct LAPACKTests {
    /// The covariance (Double, `d × d`, d = 3·side²) of the `side × side` RGB patches of a photo, sampled on a grid.
    static func patchCovariance(_ photo: String, side: Int = 4, ridge: Double = 0) throws -> (matrix: [Double], d: Int) {
        let image = try ImageDecoder().decode(contentsOf: TestData.photo(photo))
        let d = 3 * side * side
        var patches: [[Double]] = []
        for y in stride(from: 0, to: image.height - side, by: side * 3) {
            for x in stride(from: 0, to: image.width - side, by: side * 3) {
                var patch = [Double]()
                for dy in 0..<side {
                    for dx in 0..<side {
                        let base = ((y + dy) * image.width + x + dx) * 3
                        for c in 0..<3 { patch.append(Double(image.pixels[base + c]) / 255) }
                    }
                }
                patches.append(patch)
            }
        }
        let count = Double(patches.count)
        let mean = (0..<d).map { j in patches.reduce(0) { $0 + $1[j] } / count }
        var covariance = [Double](repeating: 0, count: d * d)
        for patch in patches {
            for i in 0..<d {
                let pi = patch[i] - mean[i]
                for j in 0..<d { covariance[i * d + j] += pi * (patch[j] - mean[j]) }
            }
        }
        for i in 0..<(d * d) { covariance[i] /= count - 1 }
        for i in 0..<d { covariance[i * d + i] += ridge }
        return (covariance, d)
    }

    static func save(_ values: [Double], _ directory: URL, _ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try values.withUnsafeBufferPointer { try Data(buffer: $0).write(to: url) }
        return url.path
    }

    static func numbers(_ text: String) -> [Double] { text.split(whereSeparator: \.isWhitespace).compactMap { Double($0) } }

    @Test func symmetricEigenEqualsNumpy() throws {
        let (a, d) = try Self.patchCovariance("chelsea.png")
        let eigen = try LAPACK.symmetricEigen(a, n: d)
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.save(a, dir, "a.bin")
        let reference = Self.numbers(try TestData.runPython("""
        import sys, numpy as np
        a = np.fromfile(sys.argv[1], dtype='<f8').reshape(int(sys.argv[2]), -1)
        print(' '.join('%.17g' % v for v in np.linalg.eigvalsh(a)))
        """, [path, "\(d)"]))
        #expect(reference.count == d)
        let scale = reference.map(abs).max() ?? 1
        for (mine, theirs) in zip(eigen.values, reference) { #expect(abs(mine - theirs) <= 1e-9 * scale) }
        // A v = λ v, unit vectors.
        for j in [0, d / 2, d - 1] {
            let v = Array(eigen.vector(j))
            #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-9)
            for i in 0..<d {
                let av = (0..<d).reduce(0.0) { $0 + a[i * d + $1] * v[$1] }
                #expect(abs(av - eigen.values[j] * v[i]) <= 1e-9 * scale)
            }
        }
    }

    @Test func generalizedEigenEqualsScipyForm() throws {
        let (a, d) = try Self.patchCovariance("chelsea.png")
        let (b, _) = try Self.patchCovariance("coffee.png", ridge: 1e-3)
        let eigen = try LAPACK.generalizedSymmetricEigen(a, b, n: d)
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pathA = try Self.save(a, dir, "a.bin"), pathB = try Self.save(b, dir, "b.bin")
        // numpy has no generalized solver: reduce with B's Cholesky factor, L⁻¹ A L⁻ᵀ y = λ y.
        let reference = Self.numbers(try TestData.runPython("""
        import sys, numpy as np
        d = int(sys.argv[3])
        a = np.fromfile(sys.argv[1], dtype='<f8').reshape(d, d)
        b = np.fromfile(sys.argv[2], dtype='<f8').reshape(d, d)
        l = np.linalg.cholesky(b)
        li = np.linalg.inv(l)
        print(' '.join('%.17g' % v for v in np.linalg.eigvalsh(li @ a @ li.T)))
        """, [pathA, pathB, "\(d)"]))
        #expect(reference.count == d)
        let scale = reference.map(abs).max() ?? 1
        for (mine, theirs) in zip(eigen.values, reference) { #expect(abs(mine - theirs) <= 1e-8 * scale) }
        // B-orthonormal: vᵀ B v = 1.
        let v = Array(eigen.vector(d - 1))
        var vbv = 0.0
        for i in 0..<d { for j in 0..<d { vbv += v[i] * b[i * d + j] * v[j] } }
        #expect(abs(vbv - 1) < 1e-8)
    }

    @Test func positiveDefiniteSolveEqualsNumpy() throws {
        let (a, d) = try Self.patchCovariance("coffee.png", ridge: 1e-2)
        let (other, _) = try Self.patchCovariance("chelsea.png")
        let count = 5
        let rhs = (0..<(count * d)).map { Float(other[$0]) }
        let solutions = try LAPACK.solvePositiveDefinite(a.map(Float.init), n: d, rhs: rhs, count: count)
        #expect(solutions.count == count * d)
        for j in 0..<count {
            for i in 0..<d {
                let ax = (0..<d).reduce(0.0) { $0 + a[i * d + $1] * Double(solutions[j * d + $1]) }
                #expect(abs(ax - Double(rhs[j * d + i])) < 1e-3)
            }
        }
    }

    @Test func badShapesAreErrorsNotTraps() throws {
        #expect(throws: LAPACKError.self) { try LAPACK.symmetricEigen([1, 2, 3], n: 2) }
        #expect(throws: LAPACKError.self) { try LAPACK.symmetricEigen([], n: 0) }
        #expect(throws: LAPACKError.self) { try LAPACK.generalizedSymmetricEigen([1, 0, 0, 1], [1], n: 2) }
        #expect(throws: LAPACKError.self) { try LAPACK.solvePositiveDefinite([1, 0, 0, 1], n: 2, rhs: [1], count: 1) }
        // Not positive definite: LAPACK's own failure, reported.
        #expect(throws: LAPACKError.failed(routine: "LAPACKE_sposv", info: 2)) {
            try LAPACK.solvePositiveDefinite([1, 0, 0, -1], n: 2, rhs: [1, 1], count: 1)
        }
    }
}

/// `BLAS.gram` (SSYRK, mirrored) against the plain sum over rows, on real photo patches.
@Suite struct GramTests {
    @Test func gramEqualsTheSumOfOuterProductsBothTriangles() throws {
        let image = try ImageDecoder().decode(contentsOf: TestData.photo("coffee.png"))
        let d = 12, n = 500
        let x = (0..<(n * d)).map { Float(image.pixels[($0 * 7) % image.pixels.count]) / 255 }
        let c = x.withUnsafeBufferPointer { BLAS.gram($0, rows: n, dimension: d) }
        #expect(c.count == d * d)
        for i in 0..<d {
            for j in 0..<d {
                let expected = (0..<n).reduce(0.0) { $0 + Double(x[$1 * d + i]) * Double(x[$1 * d + j]) }
                #expect(abs(Double(c[i * d + j]) - expected) <= 1e-4 * max(1, expected), "(\(i), \(j))")
            }
        }
        // No rows: zeros; a buffer shorter than n × d: zeros, not a read past its end.
        #expect(x.withUnsafeBufferPointer { BLAS.gram($0, rows: 0, dimension: d) } == [Float](repeating: 0, count: d * d))
        #expect(x.withUnsafeBufferPointer { BLAS.gram($0, rows: n + 1, dimension: d) } == [Float](repeating: 0, count: d * d))
    }
}
