import Foundation
import Testing
import ShardedIndex
import TestSupport

/// Issue 17, item 1: nothing outside the index directory is ever deleted or written, whatever the
/// manifest names and whatever symbolic links the directory holds.
@Suite("Index paths stay inside the index")
struct PathSafetyTests {
    /// An index of 3 shards and, beside it, a `victim` directory with files (and a subdirectory) named like
    /// the writer's own files, so that a cleaner that follows paths out would delete them.
    struct Scene {
        let index: URL
        let victim: URL
        let victimFiles: [String] = ["protos.h5", "000000.h5", "000099.h5", "000099.h5.partial", "notes.txt",
                                     "prototypes-000001.h5", "sub/000005.h5"]

        init() throws {
            let data = SeededRows(count: 30, dimension: 8, classes: 3, seed: 41)
            index = try StoreTests.build(data, dtype: .float32, rowsPerShard: 10)
            victim = index.deletingLastPathComponent().appendingPathComponent("victim")
            try FileManager.default.createDirectory(at: victim.appendingPathComponent("sub"), withIntermediateDirectories: true)
            for name in victimFiles { try Data("keep \(name)".utf8).write(to: victim.appendingPathComponent(name)) }
        }

        /// Whether every victim file is still there with its content.
        var victimIntact: Bool {
            victimFiles.allSatisfy { (try? String(contentsOf: victim.appendingPathComponent($0), encoding: .utf8)) == "keep \($0)" }
        }

        /// Rewrites the manifest's JSON with `edit`.
        func editManifest(_ edit: (inout [String: Any]) -> Void) throws {
            let url = index.appendingPathComponent("manifest.json")
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            edit(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
    }

    /// Every way of opening an index, for readers and writers; each must fail with a `corrupt index` error.
    static func expectRejected(_ scene: Scene, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for attempt in 0..<4 {
            do {
                switch attempt {
                case 0: _ = try ShardedIndexReader(directory: scene.index)
                case 1: _ = try ShardedIndexReader(directory: scene.index, mode: .inMemory)
                case 2: _ = try IndexWriter.open(at: scene.index)
                default: try IndexWriter.open(at: scene.index).compact()
                }
                Issue.record("attempt \(attempt) opened the index", sourceLocation: sourceLocation)
            } catch {
                let text = "\(error)"
                #expect(text.hasPrefix("corrupt index: ") && text.contains(reason) && !text.contains("\n"),
                        "\(text)", sourceLocation: sourceLocation)
            }
        }
        #expect(scene.victimIntact, sourceLocation: sourceLocation)
    }

    @Test("a prototypes path leading out of the index is rejected before anything is cleaned")
    func prototypesEscape() throws {
        for path in ["../victim/protos.h5", "/tmp/../" + "victim/protos.h5", "", "prototypes-000001.h5/../../victim/protos.h5"] {
            let scene = try Scene()
            try scene.editManifest { json in
                var prototypes = json["prototypes"] as! [String: Any]
                prototypes["file"] = path.hasPrefix("/tmp") ? scene.victim.appendingPathComponent("protos.h5").path : path
                json["prototypes"] = prototypes
            }
            Self.expectRejected(scene, "prototypes file")
        }
    }

    @Test("a shard path that is absolute, climbs out, is empty or is not a shard name is rejected")
    func shardEscape() throws {
        for path in ["../victim/000000.h5", "shards/../../victim/000000.h5", "", "/etc/passwd", "manifest.json",
                     "shards/sub/000000.h5", "shards/000000.h5x"] {
            let scene = try Scene()
            try scene.editManifest { json in
                var shards = json["shards"] as! [[String: Any]]
                shards[1]["file"] = path
                json["shards"] = shards
            }
            Self.expectRejected(scene, "is not a shard name")
        }
    }

    @Test("a listed shard that is a symbolic link to a file outside the index is rejected")
    func shardSymlinkOut() throws {
        let scene = try Scene()
        let shard = scene.index.appendingPathComponent("shards/000001.h5")
        try FileManager.default.removeItem(at: shard)
        try FileManager.default.createSymbolicLink(at: shard, withDestinationURL: scene.victim.appendingPathComponent("000000.h5"))
        Self.expectRejected(scene, "leads outside the index")
    }

    @Test("a shards/ folder linked to another directory is an error, and nothing there is deleted")
    func shardsFolderSymlink() throws {
        let scene = try Scene()
        let shards = scene.index.appendingPathComponent("shards")
        // The listed shards live in the victim directory too, so only the link itself is wrong.
        for name in try FileManager.default.contentsOfDirectory(atPath: shards.path) {
            try FileManager.default.copyItem(at: shards.appendingPathComponent(name), to: scene.victim.appendingPathComponent("listed-" + name))
        }
        try FileManager.default.removeItem(at: shards)
        try FileManager.default.createSymbolicLink(at: shards, withDestinationURL: scene.victim)
        Self.expectRejected(scene, "shards: leads outside the index")
        #expect(throws: IndexError.self) { try IndexWriter.openOrCreate(at: scene.index, dimension: 8) }
        let fresh = scene.index.deletingLastPathComponent().appendingPathComponent("fresh")
        try FileManager.default.createDirectory(at: fresh, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: fresh.appendingPathComponent("shards"), withDestinationURL: scene.victim)
        #expect { try IndexWriter.create(at: fresh, dimension: 8) } throws: { "\($0)".hasPrefix("corrupt index: ") }
        #expect(scene.victimIntact)
    }

    @Test("cleaning leftovers unlinks only the writer's own names: no directory, no link target, no other file")
    func cleaningIsNarrow() throws {
        let scene = try Scene()
        let shards = scene.index.appendingPathComponent("shards")
        let fm = FileManager.default
        try fm.createDirectory(at: shards.appendingPathComponent("000123.h5"), withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: shards.appendingPathComponent("000123.h5/keep"))
        try Data("user".utf8).write(to: shards.appendingPathComponent("README"))
        try fm.createSymbolicLink(at: shards.appendingPathComponent("000077.h5.partial"),
                                  withDestinationURL: scene.victim.appendingPathComponent("000099.h5.partial"))
        try fm.createSymbolicLink(at: scene.index.appendingPathComponent(".manifest.json.tmp"),
                                  withDestinationURL: scene.victim.appendingPathComponent("notes.txt"))
        try Data("old".utf8).write(to: shards.appendingPathComponent("000050.h5.partial"))
        let writer = try IndexWriter.open(at: scene.index, shardSizeLimit: 10 * 8 * 4)
        #expect(try fm.contentsOfDirectory(atPath: shards.path).sorted() == ["000000.h5", "000001.h5", "000002.h5", "000123.h5", "README"])
        #expect(try String(contentsOf: shards.appendingPathComponent("000123.h5/keep"), encoding: .utf8) == "mine")
        // Writing goes on normally, and the manifest replace does not write through the (removed) link.
        try SeededRows(count: 12, dimension: 8, classes: 3, seed: 42).append(to: writer, range: 0..<12, batch: 5)
        try writer.finish()
        #expect(try ShardedIndexReader(directory: scene.index).rowCount == 42)
        #expect(scene.victimIntact)
    }
}
