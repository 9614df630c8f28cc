/// big-ann-benchmarks' `.fbin`: little-endian uint32 n, uint32 d, then n × d float32. The header is checked
/// against the file's size before anything is allocated.
final class FbinEmbeddings: EmbeddingSource {
    let path: String
    let count: Int
    let dimension: Int
    private let descriptor: Int32

    /// Every check runs before a stored property is set: a throw after that would run `deinit` too, and
    /// its close would hit whatever descriptor another thread had meanwhile been given the number of.
    init(_ path: String) throws {
        let (fd, size): (Int32, Int)
        do { (fd, size) = try POSIX.openRegularFile(DiskPath(path).bytes) } catch {
            throw CLIError.input(path: path, reason: error.reason)
        }
        let (count, dimension): (Int, Int)
        do {
            let header: [UInt8]
            do { header = try POSIX.read(fd, count: 8, at: 0) } catch {
                throw CLIError.input(path: path, reason: error.reason)
            }
            guard header.count == 8 else {
                throw CLIError.input(path: path, reason: "too short for an .fbin header (\(size) bytes)")
            }
            func word(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(header[at + $1]) << (8 * $1) } }
            (count, dimension) = (word(0), word(4))
            try EmbeddingSources.checkShape(path, rows: count, dimension: dimension, what: "the .fbin header's shape")
            // n < 2^32 and d ≤ 65 536: n × d × 4 + 8 < 2^50, no overflow.
            guard size == 8 + count * dimension * 4 else {
                throw CLIError.input(path: path, reason: ".fbin header says \(count) × \(dimension) but the file has \(size) bytes")
            }
        } catch {
            try? POSIX.close(fd)
            throw error
        }
        self.path = path
        self.count = count
        self.dimension = dimension
        descriptor = fd
    }

    deinit { try? POSIX.close(descriptor) }

    func rows(_ range: Range<Int>) throws -> [Float] {
        try EmbeddingSources.checkRange(range, count: count, path: path)
        let bytes: [UInt8]
        do { bytes = try POSIX.read(descriptor, count: range.count * dimension * 4, at: 8 + range.lowerBound * dimension * 4) } catch {
            throw CLIError.input(path: path, reason: error.reason)
        }
        guard bytes.count == range.count * dimension * 4 else {
            throw CLIError.input(path: path, reason: "short read at row \(range.lowerBound) (the file shrank?)")
        }
        return bytes.withUnsafeBytes { raw in
            (0..<(range.count * dimension)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
    }
}
