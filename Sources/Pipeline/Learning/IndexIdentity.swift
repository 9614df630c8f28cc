import ShardedIndex

/// What a head records of the index it was fitted on: the manifest's generation (bumped by every commit)
/// and a fingerprint of its contents (CRC-32 over every shard's checksums and the class table), so a head is
/// refused by another index, or by the same index after rows or classes changed.
public struct IndexIdentity: Sendable, Equatable, CustomStringConvertible {
    public var generation: Int
    public var fingerprint: String

    public init(generation: Int, fingerprint: String) {
        self.generation = generation
        self.fingerprint = fingerprint
    }

    public init(_ manifest: Manifest) {
        var crc = CRC32()
        func add(_ text: String) {
            var text = text + "\n"
            text.withUTF8 { crc.update(UnsafeRawBufferPointer($0)) }
        }
        add("d=\(manifest.dimension) rows=\(manifest.rowCount)")
        for shard in manifest.shards { add("\(shard.file) \(shard.rows) \(shard.checksum) \(shard.labelsChecksum)") }
        for c in manifest.classes { add("\(c.id) \(c.removed) \(c.rows) \(c.name)") }
        generation = manifest.generation
        fingerprint = crc.text
    }

    public var description: String { "generation \(generation), \(fingerprint)" }
}
