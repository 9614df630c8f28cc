import Foundation
import HDF5

/// Where each class's rows are in an index compacted by class: the shards written class-contiguously
/// (`shards`, in order) and the file of their per-class row ranges (`classes-G.h5`: `ranges` [n, 4]
/// int64 rows of class, shard (position in `shards`), start, count). Shards the manifest lists that are
/// not in `shards` (added since) are the overflow, which a routed search reads whole.
public struct ClassLayout: Codable, Sendable, Equatable {
    public var file: String
    public var shards: [String]
    /// CRC-32 of `ranges`' raw little-endian bytes.
    public var checksum: String
    /// CRC-32 of `subprototypes` then `subprototype_labels` (raw bytes), when the file holds them.
    public var subprototypesChecksum: String?

    func validate(shardFiles: Set<String>, generation: Int, _ fail: (String) -> IndexError) throws {
        guard let number = IndexPaths.classRangesNumber(file) else {
            throw fail("class ranges file \"\(file)\" is not a class ranges name (classes-NNNNNN.h5)")
        }
        guard number <= generation else { throw fail("\(file) is numbered after generation \(generation)") }
        guard Set(shards).count == shards.count else { throw fail("\(file) lists a shard twice") }
        for shard in shards where !shardFiles.contains(shard) {
            throw fail("\(file) covers \"\(shard)\", which the manifest does not list")
        }
        for value in [checksum, subprototypesChecksum].compactMap({ $0 }) where !CRC32.isText(value) {
            throw fail("\(file): checksum \"\(value)\" is not crc32:xxxxxxxx")
        }
    }
}

/// One run of rows of one class in one shard.
struct ClassRange: Equatable {
    var label: Int32
    /// Position of the shard in `ClassLayout.shards`.
    var shard: Int
    var start: Int
    var count: Int
}

/// Writes and reads the class-ranges file; everything read is checked against the manifest.
enum ClassRangeStore {
    static let columns = 4

    static func checksum(_ values: [Int]) -> CRC32 {
        var crc = CRC32()
        values.withUnsafeBufferPointer { crc.update($0) }
        return crc
    }

    /// Writes `ranges` as `classes-<generation>.h5` (fsynced, renamed into place) covering `shards`.
    static func write(_ ranges: [ClassRange], subprototypes: SubPrototypes, dimension: Int, shards: [String],
                      generation: Int, in directory: URL) throws -> ClassLayout {
        let name = String(format: "classes-%06d.h5", generation)
        let values = ranges.flatMap { [Int($0.label), $0.shard, $0.start, $0.count] }
        try Durability.writeIndexFile(name, in: directory) { file in
            try file.createDataset("ranges", values: values, shape: [ranges.count, columns])
            if !subprototypes.labels.isEmpty {
                try file.createDataset("subprototypes", values: subprototypes.vectors, shape: [subprototypes.labels.count, dimension])
                try file.createDataset("subprototype_labels", values: subprototypes.labels)
            }
        }
        return ClassLayout(file: name, shards: shards, checksum: checksum(values).text,
                           subprototypesChecksum: subprototypes.labels.isEmpty ? nil : subChecksum(subprototypes).text)
    }

    static func subChecksum(_ subs: SubPrototypes) -> CRC32 {
        var crc = CRC32()
        subs.vectors.withUnsafeBufferPointer { crc.update($0) }
        subs.labels.withUnsafeBufferPointer { crc.update($0) }
        return crc
    }

    /// The sub-prototypes of `layout` (none when it has no checksum for them), checked: shape, class ids,
    /// checksum, finite values.
    static func readSubprototypes(_ layout: ClassLayout, _ directory: URL, _ manifest: Manifest) throws -> SubPrototypes {
        guard let expected = layout.subprototypesChecksum else { return SubPrototypes() }
        let url = directory.appendingPathComponent(layout.file)
        let d = manifest.dimension, limit = SubPrototypes.maxK * manifest.classes.count
        let subs: SubPrototypes = try ShardFile.wrap(url) {
            let file = try IndexChange.open(url, directory, generation: manifest.generation)
            let vectors = try file.dataset("subprototypes"), labels = try file.dataset("subprototype_labels")
            let shape = try vectors.shape, labelShape = try labels.shape
            guard shape.count == 2, shape[1] == d, shape[0] <= limit, labelShape == [shape[0]] else {
                throw IndexError.corruptShard(url, "subprototypes \(shape), labels \(labelShape) for \(manifest.classes.count) classes of d = \(d)")
            }
            return SubPrototypes(vectors: try vectors.read(as: Float.self), labels: try labels.read(as: Int32.self))
        }
        let found = subChecksum(subs).text
        guard found == expected else { throw IndexError.corruptShard(url, "subprototypes checksum \(found), the manifest says \(expected)") }
        guard subs.labels.allSatisfy({ $0 >= 0 && Int($0) < manifest.classes.count }), subs.vectors.allSatisfy(\.isFinite) else {
            throw IndexError.corruptShard(url, "a subprototype of an unknown class or with a non-finite value")
        }
        return subs
    }

    /// The ranges of `layout`, each checked: a known class, a covered shard, rows inside it, and no row
    /// in two ranges.
    static func read(_ layout: ClassLayout, _ directory: URL, _ manifest: Manifest) throws -> [ClassRange] {
        let url = directory.appendingPathComponent(layout.file)
        let rowsByFile = Dictionary(manifest.shards.map { ($0.file, $0.rows) }, uniquingKeysWith: { a, _ in a })
        let shardRows = layout.shards.map { rowsByFile[$0] ?? 0 }
        let covered = shardRows.reduce(0, +)
        let values: [Int] = try ShardFile.wrap(url) {
            let file = try IndexChange.open(url, directory, generation: manifest.generation)
            let dataset = try file.dataset("ranges")
            let shape = try dataset.shape
            guard shape.count == 2, shape[1] == columns, shape[0] <= covered else {
                throw IndexError.corruptShard(url, "ranges \(shape) for \(covered) rows in \(layout.shards.count) shards")
            }
            return try dataset.read(as: Int.self)
        }
        let found = checksum(values).text
        guard found == layout.checksum else {
            throw IndexError.corruptShard(url, "checksum \(found), the manifest says \(layout.checksum)")
        }
        var ranges: [ClassRange] = []
        ranges.reserveCapacity(values.count / columns)
        for i in stride(from: 0, to: values.count - columns + 1, by: columns) {
            let label = values[i], shard = values[i + 1], start = values[i + 2], count = values[i + 3]
            guard label >= 0, label < manifest.classes.count, shard >= 0, shard < shardRows.count,
                  start >= 0, count >= 1, start <= shardRows[shard], count <= shardRows[shard] - start else {
                throw IndexError.corruptShard(url, "range \(i / columns) (class \(label), shard \(shard), rows \(start) + \(count)) is outside the index")
            }
            ranges.append(ClassRange(label: Int32(label), shard: shard, start: start, count: count))
        }
        let ordered = ranges.sorted { ($0.shard, $0.start) < ($1.shard, $1.start) }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.shard == b.shard && b.start < a.start + a.count {
            throw IndexError.corruptShard(url, "ranges overlap in shard \(a.shard) at row \(b.start)")
        }
        return ranges
    }
}
