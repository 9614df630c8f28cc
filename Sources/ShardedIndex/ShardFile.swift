import Foundation
import HDF5

/// Writes and validates shard files (docs/FORMAT.md): `embeddings`, `labels`, `ids`, the optional `sources`
/// and their attributes.
enum ShardFile {
    /// Bytes of whole rows per chunk: above HDF5's 1 MiB chunk cache, so block reads go straight into
    /// the caller's buffer instead of through the cache.
    static let chunkBytes = 4 << 20

    /// Writes `block`'s rows, labels, `ids` and (when any row has one) `sources` to a new file at `url`,
    /// closes it, and returns the checksums of what it wrote. The caller fsyncs and publishes the file.
    static func write(_ block: RowBlock, ids: [String], sources: [String], to url: URL) throws
        -> (embeddings: CRC32, labels: CRC32, ids: CRC32, sources: CRC32?) {
        let n = block.count, d = block.dimension
        let dtype: ScalarType
        let embeddings: CRC32
        // Whole rows, about `chunkBytes`, never more than the shard holds (chunks are allocated whole).
        let chunkRows = max(1, min(chunkBytes / (d * (block.rows.isFloat16 ? 2 : 4)), n))
        let file = try H5File.create(at: url, overwrite: true)
        switch block.rows {
        case .float32(let rows):
            dtype = .float32
            embeddings = CRC32.of(rows)
            let dataset = try file.createDataset("embeddings", type: .float32, shape: [n, d], maxShape: [nil, d],
                                                 chunk: [chunkRows, d])
            if n > 0 { try dataset.write(rows) }
        case .float16(let rows):
            dtype = .float16
            embeddings = CRC32.of(rows)
            let dataset = try file.createDataset("embeddings", type: .float16, shape: [n, d], maxShape: [nil, d],
                                                 chunk: [chunkRows, d])
            if n > 0 { try dataset.write(rows) }
        }
        let labels = CRC32.of(block.labels)
        // Chunks never larger than the shard (a small shard would otherwise be mostly unused chunk space).
        let labelSet = try file.createDataset("labels", type: .int32, shape: [n], maxShape: [nil], chunk: [max(1, min(1 << 16, n))])
        if n > 0 { try labelSet.write(block.labels) }
        try file.createDataset("ids", strings: ids, type: .fixedString(fitting: ids), maxShape: [nil],
                               chunk: [max(1, min(1 << 14, n))])
        let idSum = CRC32.of(ids: ids)
        var sourceSum: CRC32?
        if sources.count == n, sources.contains(where: { !$0.isEmpty }) {
            try file.createDataset("sources", strings: sources, type: .fixedString(fitting: sources), maxShape: [nil],
                                   chunk: [max(1, min(1 << 14, n))])
            sourceSum = CRC32.of(ids: sources)
        }
        try file.setAttribute("d", d)
        try file.setAttribute("count", n)
        // Fixed-length strings only: nothing of a new shard lives in HDF5's global heap (see ElementType).
        try file.setAttribute("dtype", fixed: dtype.rawValue)
        try file.setAttribute("checksum", fixed: embeddings.text)
        try file.setAttribute("labels_checksum", fixed: labels.text)
        try file.setAttribute("ids_checksum", fixed: idSum.text)
        try file.close()
        return (embeddings, labels, idSum, sourceSum)
    }

    /// The `ids` of shard `ref`, checked against its row count and (when the manifest has one) checksum.
    static func readIDs(_ ref: ShardRef) throws -> [String] {
        try readStrings("ids", of: ref, checksum: ref.entry.idsChecksum, fixedOnly: ref.entry.idsChecksum != nil)
    }

    /// The `sources` of shard `ref` (each row's content fingerprint; "" for none), checked against its row
    /// count and the manifest's checksum. A shard whose entry records no `sourcesChecksum` has none: all "".
    static func readSources(_ ref: ShardRef) throws -> [String] {
        guard let expected = ref.entry.sourcesChecksum else { return [String](repeating: "", count: ref.entry.rows) }
        return try readStrings("sources", of: ref, checksum: expected, fixedOnly: true)
    }

    /// String dataset `name` of shard `ref`, one per row, checked against the manifest's row count and
    /// `checksum` (when given). With `fixedOnly`, variable-length strings are refused as damage before
    /// libhdf5 reads them (see `requireFixedStrings`).
    private static func readStrings(_ name: String, of ref: ShardRef, checksum expected: String?, fixedOnly: Bool) throws -> [String] {
        let url = ref.url
        // The shard is checked against the manifest first (shapes, attributes, checksum attribute), as for a
        // search: in shards written before ids became fixed-length strings they are variable-length ones,
        // and libhdf5 1.10 trusts a damaged global heap when it reads them (the fuzz campaign's
        // shard-hdf5-global-heap-overlap-segv.h5 crashed `index import --resume`).
        _ = try ShardHandle(ref)
        let values = try wrap(url) {
            let dataset = try ref.open().dataset(name)
            let shape = try dataset.shape
            guard shape == [ref.entry.rows] else {
                throw IndexError.corruptShard(url, "\(name) \(shape); the manifest says \(ref.entry.rows) rows")
            }
            if fixedOnly, case .string = try dataset.elementType {
                throw IndexError.corruptShard(url, "its \(name) is a variable-length string; this index's shards store fixed-length ones")
            }
            return try dataset.readStrings()
        }
        guard values.count == ref.entry.rows else {
            throw IndexError.corruptShard(url, "\(values.count) \(name), the manifest says \(ref.entry.rows) rows")
        }
        if let expected {
            let found = CRC32.of(ids: values).text
            guard found == expected else { throw IndexError.corruptShard(url, "\(name) checksum \(found), the manifest says \(expected)") }
        }
        return values
    }

    /// Runs `body`, turning HDF5 failures into `corruptShard` errors for `url`.
    static func wrap<R>(_ url: URL, _ body: () throws -> R) throws -> R {
        do { return try body() } catch let error as HDF5Error {
            throw IndexError.corruptShard(url, "\(error.action)\(error.object.map { " '\($0)'" } ?? ""): \(error.message)")
        }
    }
}

extension RowBlock.Rows {
    var isFloat16: Bool { if case .float16 = self { true } else { false } }
}

extension ShardRef {
    /// Shards whose manifest entry has an `idsChecksum` are written with fixed-length strings only, so a
    /// variable-length one there is damage or forgery, refused before libhdf5 reads it: variable-length
    /// strings live in the file's global heap, and libhdf5 1.10 copies past its buffer when a heap entry is
    /// damaged (SIGSEGV). Older shards (no `idsChecksum`) keep variable-length strings and that exposure.
    func requireFixedStrings(_ stored: H5ElementType, _ what: String) throws {
        guard entry.idsChecksum != nil, case .string = stored else { return }
        throw IndexError.corruptShard(url, "its \(what) is a variable-length string; this index's shards store fixed-length ones")
    }
}

/// One open shard, checked against its manifest entry, for row-range reads in the stored type.
final class ShardHandle {
    let url: URL
    private let file: H5File
    private let embeddings: H5Dataset
    private let labels: H5Dataset
    let dtype: ScalarType
    private let classCount: UInt32

    init(_ ref: ShardRef) throws {
        url = ref.url
        dtype = ref.dtype
        classCount = UInt32(clamping: ref.classCount)
        let entry = ref.entry, dimension = ref.dimension, url = ref.url
        try ref.checkFileSize()
        (file, embeddings, labels) = try ShardFile.wrap(url) {
            let file = try ref.open()
            return (file, try file.dataset("embeddings"), try file.dataset("labels"))
        }
        let (shape, labelShape, stored, checksum, count, d) = try ShardFile.wrap(url) {
            try ref.requireFixedStrings(try file.attributeType("checksum"), "checksum attribute")
            return (try embeddings.shape, try labels.shape, try embeddings.elementType,
                    try file.attribute("checksum", as: String.self),
                    try file.attribute("count", as: Int.self), try file.attribute("d", as: Int.self))
        }
        guard shape.count == 2, shape[0] == entry.rows, labelShape == [entry.rows] else {
            throw IndexError.corruptShard(url, "embeddings \(shape), labels \(labelShape); the manifest says \(entry.rows) rows")
        }
        guard shape[1] == dimension else { throw IndexError.dimensionMismatch(url, expected: dimension, found: shape[1]) }
        guard count == entry.rows, d == dimension else {
            throw IndexError.corruptShard(url, "its attributes say \(count) rows of d = \(d); the manifest says \(entry.rows) of d = \(dimension)")
        }
        let expected: H5ElementType = dtype == .float32 ? .float32 : .float16
        guard stored == expected else { throw IndexError.corruptShard(url, "embeddings are \(stored), the index stores \(dtype.rawValue)") }
        guard checksum == entry.checksum else {
            throw IndexError.corruptShard(url, "its checksum attribute \(checksum) differs from the manifest's \(entry.checksum)")
        }
    }

    func readRows(_ range: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
        try ShardFile.wrap(url) {
            switch dtype {
            case .float32: try embeddings.readRows(range, into: buffer.bindMemory(to: Float.self))
            case .float16: try embeddings.readRows(range, into: buffer.bindMemory(to: Float16.self))
            }
        }
    }

    /// Reads labels `range`; a label outside the manifest's class table is an error (checked here, once
    /// per block read, so that nothing downstream indexes a class table with it).
    func readLabels(_ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Int32>) throws {
        try ShardFile.wrap(url) { try labels.readRows(range, into: buffer) }
        let largest = buffer.reduce(UInt32(0)) { max($0, UInt32(bitPattern: $1)) }
        if largest >= classCount, let bad = buffer.first(where: { UInt32(bitPattern: $0) >= classCount }) {
            throw IndexError.corruptShard(url, "label \(bad) is outside the class table (\(classCount) classes)")
        }
    }
}
