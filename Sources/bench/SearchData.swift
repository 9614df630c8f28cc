import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Embedding-shaped data for the search benchmark: read from a big-ann `.fbin` file (uint32 n, uint32 d,
/// then float32 rows) or generated (clustered unit vectors from a seed).
struct SearchData {
    var rows: [Float]
    var labels: [Int32]
    var count: Int
    var dimension: Int

    /// Reads an `.fbin` file straight into one array (no intermediate copy); `limit` keeps the first rows.
    static func read(fbin path: String, limit: Int? = nil) throws -> SearchData {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SearchBenchError("\(path): cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var header = [UInt32](repeating: 0, count: 2)
        try header.withUnsafeMutableBytes { try readFully(fd, $0.baseAddress!, 8, path) }
        let n = min(Int(header[0]), limit ?? Int.max), d = Int(header[1])
        guard d > 0 else { throw SearchBenchError("\(path): not an .fbin file (dimension 0)") }
        let rows = try [Float](unsafeUninitializedCapacity: n * d) { buffer, initialized in
            try readFully(fd, buffer.baseAddress!, n * d * 4, path)
            initialized = n * d
        }
        return SearchData(rows: rows, labels: (0..<n).map { Int32($0 % 1000) }, count: n, dimension: d)
    }

    /// `count` unit vectors around `clusters` random unit centres (label = cluster), spread `spread`.
    static func clustered(count: Int, dimension d: Int, clusters: Int, spread: Float, seed: UInt64) -> SearchData {
        var rng = Xoshiro256(seed: seed)
        let centres = rng.unitVectors(clusters, d)
        var rows = [Float](repeating: 0, count: count * d)
        var labels = [Int32](repeating: 0, count: count)
        for r in 0..<count {
            let c = Int(rng.next() % UInt64(clusters))
            labels[r] = Int32(c)
            var norm: Float = 0
            for j in 0..<d {
                let v = centres[c * d + j] + spread * rng.nextGaussian() / Float(d).squareRoot()
                rows[r * d + j] = v
                norm += v * v
            }
            let scale = 1 / norm.squareRoot()
            for j in 0..<d { rows[r * d + j] *= scale }
        }
        return SearchData(rows: rows, labels: labels, count: count, dimension: d)
    }

    private static func readFully(_ fd: Int32, _ target: UnsafeMutableRawPointer, _ bytes: Int, _ path: String) throws {
        var done = 0
        while done < bytes {
            let got = Glibc.read(fd, target + done, min(bytes - done, 1 << 30))
            guard got > 0 else { throw SearchBenchError("\(path): truncated (\(done) of \(bytes) bytes)") }
            done += got
        }
    }
}

struct SearchBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
