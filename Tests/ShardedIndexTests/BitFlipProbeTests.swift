import Foundation
import Testing
import ShardedIndex
import TestSupport

/// Issue 17, item 4: single bit flips in shard files and edits of the manifest never trap and never change
/// results silently: every damaged index either reads exactly like the undamaged one or fails with an error.
@Suite("Bit-flip and manifest-edit probe")
struct BitFlipProbeTests {
    @Test("100 single-bit flips per shard file: an error or identical results", arguments: ScalarType.allCases)
    func shardBitFlips(dtype: ScalarType) throws {
        let index = try ProbeIndex(dtype: dtype)
        var generator = SeededGenerator(state: dtype == .float32 ? 17 : 18)
        var errors = 0, identical = 0
        for shard in 0..<3 {
            let url = index.shardURL(shard)
            let original = try Data(contentsOf: url)
            // Flips land on the bytes in use (HDF5 pads its metadata blocks with zeros, which nothing reads).
            let used = original.indices.filter { original[$0] != 0 }
            for flip in 0..<100 {
                var damaged = original
                let byte = used.randomElement(using: &generator)!
                damaged[byte] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
                try damaged.write(to: url)
                // Every fourth flip also goes through the in-memory reader.
                for mode in flip % 4 == 0 ? ShardedIndexReader.Mode.allCases : [.streaming] {
                    let (error, same) = index.check(mode)
                    #expect(same, "shard \(shard), byte \(byte), \(mode): different results without an error")
                    if let error {
                        errors += 1
                        #expect(!"\(error)".contains("\n"), "\(error)")
                    } else {
                        identical += 1
                    }
                }
            }
            try original.write(to: url)
        }
        // Most used bytes are rows, labels, ids or metadata that is checked: most flips fail.
        #expect(errors > identical, "\(errors) errors, \(identical) identical")
        #expect(index.check(.inMemory).error == nil)
    }

    /// One manifest mutation: a name and an edit of the decoded JSON.
    typealias Mutation = (String, (inout [String: Any]) -> Void)

    static func mutations() -> [Mutation] {
        func shard(_ i: Int, _ key: String, _ value: Any?) -> Mutation {
            ("shards[\(i)].\(key) = \(String(describing: value))", { json in
                var shards = json["shards"] as! [[String: Any]]
                shards[i][key] = value
                json["shards"] = shards
            })
        }
        func top(_ key: String, _ value: Any?) -> Mutation {
            ("\(key) = \(String(describing: value))", { $0[key] = value })
        }
        func klass(_ i: Int, _ key: String, _ value: Any?) -> Mutation {
            ("classes[\(i)].\(key) = \(String(describing: value))", { json in
                var classes = json["classes"] as! [[String: Any]]
                classes[i][key] = value
                json["classes"] = classes
            })
        }
        func prototypes(_ key: String, _ value: Any?) -> Mutation {
            ("prototypes.\(key) = \(String(describing: value))", { json in
                var entry = json["prototypes"] as! [String: Any]
                entry[key] = value
                json["prototypes"] = entry
            })
        }
        return [
            shard(0, "rows", -16), shard(1, "rows", 0), shard(1, "rows", 21), shard(2, "rows", Int.max),
            shard(0, "rows", "20"), shard(0, "rows", nil), shard(1, "file", "shards/000000.h5"),
            shard(1, "file", "../victim.h5"), shard(1, "file", "/etc/passwd"), shard(1, "file", ""),
            shard(1, "file", "shards/000099.h5"), shard(1, "file", 7), shard(0, "checksum", "crc32:00000000"),
            shard(0, "checksum", "sha256:zz"), shard(2, "labelsChecksum", "crc32:ffffffff"),
            shard(1, "idsChecksum", "crc32:12345678"), shard(1, "idsChecksum", nil),
            top("rowCount", 59), top("rowCount", -60), top("rowCount", 1e300), top("dimension", 0),
            top("dimension", -16), top("dimension", 15), top("dimension", 1 << 40), top("generation", -1),
            top("nextShard", -1), top("nextShard", 1), top("shards", [Any]()), top("classes", [Any]()), top("dtype", "float64"),
            top("dtype", "float16"), top("version", 99), top("version", 0), top("format", "other"), top("classes", nil),
            klass(0, "rows", -3), klass(1, "id", 0), klass(3, "id", 7), klass(0, "rows", 10_000), klass(2, "removed", "yes"),
            prototypes("file", "../victim/protos.h5"), prototypes("file", "prototypes-999999.h5"),
            prototypes("shards", ["shards/000007.h5"]), prototypes("shards", ["shards/000000.h5", "shards/000000.h5"]),
            prototypes("checksum", "crc32:00000000"), prototypes("checksum", nil),
            ("shard listed twice", { json in
                var shards = json["shards"] as! [[String: Any]]
                shards.append(shards[0])
                json["shards"] = shards
                json["rowCount"] = (json["rowCount"] as! Int) + (shards[0]["rows"] as! Int)
            }),
            ("shard dropped", { json in
                var shards = json["shards"] as! [[String: Any]]
                shards.removeLast()
                json["shards"] = shards
            }),
            ("class table one short", { json in
                var classes = json["classes"] as! [[String: Any]]
                let last = classes.removeLast()
                classes[0]["rows"] = (classes[0]["rows"] as! Int) + (last["rows"] as! Int)
                json["classes"] = classes
            }),
            ("rows moved between shards", { json in
                var shards = json["shards"] as! [[String: Any]]
                shards[0]["rows"] = 22
                shards[1]["rows"] = 18
                json["shards"] = shards
            }),
        ]
    }

    @Test("manifest edits: each a one-line error or identical results; never a trap")
    func manifestEdits() throws {
        let index = try ProbeIndex(dtype: .float32)
        let original = try Data(contentsOf: index.manifestURL)
        let edits = Self.mutations()
        #expect(edits.count >= 30)
        var failures: [String] = []
        for (name, edit) in edits {
            var json = try JSONSerialization.jsonObject(with: original) as! [String: Any]
            edit(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: index.manifestURL)
            for mode in ShardedIndexReader.Mode.allCases {
                let (error, same) = index.check(mode)
                #expect(same, "\(name), \(mode): different results without an error")
                if let error {
                    #expect(!"\(error)".contains("\n"), "\(name): \(error)")
                    failures.append(name)
                }
            }
        }
        try original.write(to: index.manifestURL)
        // Only the edits that change nothing the reader relies on may pass: a dropped optional checksum.
        let passed = Set(edits.map(\.0)).subtracting(failures)
        #expect(passed == ["shards[1].idsChecksum = nil", "prototypes.checksum = nil"], "\(passed.sorted())")
        #expect(index.check(.streaming).error == nil)
    }
}
