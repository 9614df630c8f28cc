import Foundation

/// The checks every `Manifest.load` runs before anything is opened, read, written or deleted: each number
/// and name the manifest holds is untrusted. Cheap (no file is opened; paths are checked by `IndexPaths`).
/// A failure is one line: `corrupt index: <manifest>: <reason>`.
extension Manifest {
    /// The largest dimension an index may have (EfficientNet-Lite's is 1280).
    public static let maxDimension = 1 << 16

    func validate(_ url: URL) throws {
        func fail(_ reason: String) -> IndexError { .corruptIndex(url, reason) }
        guard version >= 1 else { throw fail("version \(version)") }
        guard dimension > 0, dimension <= Self.maxDimension else {
            throw fail("dimension \(dimension) is outside 1...\(Self.maxDimension)")
        }
        guard generation >= 0 else { throw fail("generation \(generation) is negative") }
        guard nextShard >= 0 else { throw fail("nextShard \(nextShard) is negative") }
        // Rows such that rows × d × 8 bytes (float32 rows, int64 offsets) always fits an Int.
        let maxRows = Int.max / (dimension * 8)
        var total = 0
        var files = Set<String>()
        for shard in shards {
            guard let number = IndexPaths.shardNumber(shard.file) else {
                throw fail("shard file \"\(shard.file)\" is not a shard name (shards/NNNNNN.h5)")
            }
            guard number < nextShard else { throw fail("\(shard.file) is numbered at or after nextShard \(nextShard)") }
            guard files.insert(shard.file).inserted else { throw fail("\(shard.file) is listed twice") }
            guard shard.rows >= 0, shard.rows <= maxRows else { throw fail("\(shard.file) has \(shard.rows) rows") }
            total += shard.rows
            guard total <= maxRows else { throw fail("the shards hold more rows than an index can") }
            for (field, value) in [("checksum", shard.checksum), ("labelsChecksum", shard.labelsChecksum),
                                   ("idsChecksum", shard.idsChecksum), ("sourcesChecksum", shard.sourcesChecksum)] {
                if let value, !CRC32.isText(value) { throw fail("\(shard.file): \(field) \"\(value)\" is not crc32:xxxxxxxx") }
            }
        }
        guard rowCount == total else { throw fail("rowCount \(rowCount) differs from the shards' total \(total)") }
        var classRows = 0
        for (position, entry) in classes.enumerated() {
            guard entry.id == Int32(exactly: position) else { throw fail("class table entry \(position) has id \(entry.id)") }
            guard entry.rows >= 0, entry.rows <= total else { throw fail("class \(entry.id) has \(entry.rows) rows") }
            classRows += entry.rows
            guard classRows <= total else { throw fail("the classes hold more rows than the shards' \(total)") }
        }
        guard classRows == total else { throw fail("the classes hold \(classRows) rows, the shards \(total)") }
        if let prototypes { try validate(prototypes, files, fail) }
        if let byClass { try byClass.validate(shardFiles: files, generation: generation, fail) }
        if let projection { try projection.validate(self, shardFiles: files, fail) }
    }

    private func validate(_ prototypes: Prototypes, _ shardFiles: Set<String>, _ fail: (String) -> IndexError) throws {
        guard let number = IndexPaths.prototypesNumber(prototypes.file) else {
            throw fail("prototypes file \"\(prototypes.file)\" is not a prototypes name (prototypes-NNNNNN.h5)")
        }
        guard number <= generation else { throw fail("\(prototypes.file) is numbered after generation \(generation)") }
        guard Set(prototypes.shards).count == prototypes.shards.count else {
            throw fail("\(prototypes.file) lists a shard twice")
        }
        for file in prototypes.shards where !shardFiles.contains(file) {
            throw fail("\(prototypes.file) covers \"\(file)\", which the manifest does not list")
        }
        if let checksum = prototypes.checksum, !CRC32.isText(checksum) {
            throw fail("\(prototypes.file): checksum \"\(checksum)\" is not crc32:xxxxxxxx")
        }
    }
}

extension Manifest {
    /// One line for a manifest that is not valid JSON or lacks a field, or has one of the wrong type.
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "not valid JSON" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return keys.isEmpty ? "the top level" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent == "the top level" ? "" : parent + ".")\(key.stringValue) is missing"
        case .typeMismatch(let type, let context): return "\(path(context)) is not \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)) is null, expected \(type)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "cannot decode"
        }
    }
}
