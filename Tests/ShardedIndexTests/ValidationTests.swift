import Foundation
import Testing
import ShardedIndex
import TestSupport

/// Issue 17, item 2: the manifest and each shard are validated before use; every finding is one line
/// naming the file and the reason. Item 5: a reader whose shards a compaction replaced says so.
@Suite("Manifest and shard validation")
struct ValidationTests {
    static func editManifest(_ index: ProbeIndex, _ edit: (inout [String: Any]) -> Void) throws {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: index.manifestURL)) as! [String: Any]
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: index.manifestURL)
    }

    /// Expects every mode's open + verify + search to throw an error whose text contains `reason`.
    static func expectError(_ index: ProbeIndex, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for mode in ShardedIndexReader.Mode.allCases {
            let (error, _) = index.check(mode)
            let text = error.map { "\($0)" } ?? "no error"
            #expect(text.contains(reason) && !text.contains("\n"), "\(mode): \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test("a shard with rows: -16 (and a rowCount to match) is a corrupt index, in both modes")
    func negativeRows() throws {
        let index = try ProbeIndex(dtype: .float32)
        try Self.editManifest(index) { json in
            var shards = json["shards"] as! [[String: Any]]
            shards[1]["rows"] = -16
            json["shards"] = shards
            json["rowCount"] = 40 - 16
        }
        Self.expectError(index, "corrupt index: \(index.manifestURL.path): shards/000001.h5 has -16 rows")
    }

    @Test("rows the shard file does not have are caught when the shard is opened")
    func rowsDisagreeWithFile() throws {
        let index = try ProbeIndex(dtype: .float16)
        try Self.editManifest(index) { json in
            var shards = json["shards"] as! [[String: Any]]
            shards[0]["rows"] = 25
            shards[2]["rows"] = 15
            json["shards"] = shards
        }
        Self.expectError(index, "\(index.shardURL(0).path): corrupt shard: embeddings [20, 16], labels [20]; the manifest says 25 rows")
    }

    @Test("a label outside a (shortened) class table is an error when the labels are read, not a trap")
    func labelOutOfRange() throws {
        let index = try ProbeIndex(dtype: .float32)
        try Self.editManifest(index) { json in
            var classes = json["classes"] as! [[String: Any]]
            let last = classes.removeLast()
            classes[0]["rows"] = (classes[0]["rows"] as! Int) + (last["rows"] as! Int)
            json["classes"] = classes
            json.removeValue(forKey: "prototypes")
        }
        Self.expectError(index, "corrupt shard: label 3 is outside the class table (3 classes)")
    }

    @Test("prototypes: a changed file fails its checksum; without the field (older manifests) it still reads")
    func prototypesChecksum() throws {
        let index = try ProbeIndex(dtype: .float32)
        let manifest = try Manifest.load(from: index.directory)
        let file = try #require(manifest.prototypes).file
        #expect(manifest.prototypes?.checksum != nil && manifest.shards.allSatisfy { $0.idsChecksum != nil })
        try TestData.runPython("import h5py,sys\nwith h5py.File(sys.argv[1], 'r+') as f: f['sums'][0, 0] += 0.5",
                               [index.directory.appendingPathComponent(file).path])
        Self.expectError(index, "\(file): corrupt shard: checksum crc32:")
        // An older manifest has no checksum: the counts still have to agree with the class table.
        try TestData.runPython("import h5py,sys\nwith h5py.File(sys.argv[1], 'r+') as f: f['counts'][0] += 1",
                               [index.directory.appendingPathComponent(file).path])
        try Self.editManifest(index) { json in
            var entry = json["prototypes"] as! [String: Any]
            entry.removeValue(forKey: "checksum")
            json["prototypes"] = entry
        }
        Self.expectError(index, "per-class row counts disagree with the manifest's class table")
    }

    @Test("an ids byte flipped fails --verify and the resume's committed ids, instead of a duplicate row")
    func idsChecksum() throws {
        let index = try ProbeIndex(dtype: .float32)
        try TestData.runPython("import h5py,sys\nwith h5py.File(sys.argv[1], 'r+') as f: f['ids'][3] = 'img/3.jpx'",
                               [index.shardURL(1).path])
        Self.expectError(index, "\(index.shardURL(1).path): corrupt shard: ids checksum")
        #expect { try IndexWriter.open(at: index.directory).committedIDs() } throws: { "\($0)".contains("ids checksum") }
        // Older manifests have no idsChecksum: the ids are then read as they are.
        try Self.editManifest(index) { json in
            json["shards"] = (json["shards"] as! [[String: Any]]).map { var s = $0; s.removeValue(forKey: "idsChecksum"); return s }
        }
        #expect(try ShardedIndexReader(directory: index.directory).ids(ofRows: [23]) == ["img/3.jpx"])
    }

    @Test("a shard whose count attribute disagrees with the manifest is an error")
    func countAttribute() throws {
        let index = try ProbeIndex(dtype: .float32)
        try TestData.runPython("import h5py,sys\nwith h5py.File(sys.argv[1], 'r+') as f: f.attrs['count'] = 21",
                               [index.shardURL(2).path])
        Self.expectError(index, "its attributes say 21 rows of d = 16; the manifest says 20 of d = 16")
    }

    @Test("a reader opened before a compaction gets 'index changed during the search', not 'no such file'",
          arguments: [true, false])
    func readerDuringCompaction(searchFirst: Bool) throws {
        let index = try ProbeIndex(dtype: .float32)
        let reader = try ShardedIndexReader(directory: index.directory)
        if searchFirst { _ = try Collected(reader, maxRows: 8) }
        let writer = try IndexWriter.open(at: index.directory, shardSizeLimit: 20 * 16 * 4)
        try writer.removeClass(named: reader.classes[1].name)
        try writer.compact()
        let now = try Manifest.load(from: index.directory).generation
        let changed = "index changed during the search (generation \(reader.manifest.generation) -> \(now)), retry"
        #expect { try Collected(reader, maxRows: 8) } throws: { "\($0)".hasSuffix(changed) }
        #expect { try reader.allIDs() } throws: { "\($0)".hasSuffix(changed) }
        #expect { try reader.prototypeSums() } throws: { "\($0)".hasSuffix(changed) }
        // A reader opened now reads the compacted index.
        #expect(try ShardedIndexReader(directory: index.directory).rowCount == 60 - reader.classes[1].rows)
    }
}
