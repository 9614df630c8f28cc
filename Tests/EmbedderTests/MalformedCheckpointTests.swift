import Embedder
import ModelImport
import Foundation
import Testing
import TestSupport

/// Files that are not EfficientNet-Lite checkpoints give a `CheckpointError` naming the file and the reason.
@Suite struct MalformedCheckpointTests {
    static func lite0Bytes() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: try Fixtures.checkpoint("lite0")))
    }

    func reason(_ bytes: [UInt8]) -> String? {
        do {
            _ = try CheckpointImporter.importModel(bytes: bytes, file: "bad.pth")
            return nil
        } catch {
            #expect(error.description.hasPrefix("bad.pth: "))
            return error.description
        }
    }

    @Test func truncatedStorages() throws {
        let bytes = try Self.lite0Bytes()
        let r = reason(Array(bytes.prefix(bytes.count / 2)))
        #expect(r?.contains("truncated") == true, "\(r ?? "no error")")
    }

    @Test func truncatedInsideThePickle() throws {
        let r = reason(Array(try Self.lite0Bytes().prefix(1000)))
        #expect(r?.contains("unexpected end of data") == true, "\(r ?? "no error")")
    }

    @Test func randomBytes() {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(reason(bytes)?.contains("not a legacy PyTorch checkpoint") == true)
        #expect(reason([])?.contains("not a legacy PyTorch checkpoint") == true)
    }

    @Test func aPickleOfSomethingElse() throws {
        let out = try TestData.runPython(
            "import pickle, sys; sys.stdout.write(pickle.dumps({'a': [1, 2.5, 'x']}, protocol=2).hex())")
        let bytes = stride(from: 0, to: out.count, by: 2).map {
            UInt8(out.dropFirst($0).prefix(2), radix: 16)!
        }
        #expect(reason(bytes)?.contains("not a legacy PyTorch checkpoint") == true)
    }

    @Test func aPickleThatWouldRunCode() throws {
        let out = try TestData.runPython("""
            import pickle, sys, os
            class Evil:
                def __reduce__(self): return (os.system, ('true',))
            sys.stdout.write(pickle.dumps(Evil(), protocol=2).hex())
            """)
        let bytes = stride(from: 0, to: out.count, by: 2).map {
            UInt8(out.dropFirst($0).prefix(2), radix: 16)!
        }
        var position = 0
        let error = #expect(throws: CheckpointError.self) { try PickleReader.read(bytes, at: &position, file: "evil.pkl") }
        #expect(error?.description.contains("unsupported global posix.system") == true, "\(String(describing: error))")
        #expect(reason(bytes)?.contains("not a legacy PyTorch checkpoint") == true)
    }

    /// Renames one tensor (same length, so the file stays well-formed) so that the key set is wrong.
    func renamed(_ bytes: [UInt8], _ from: String, _ to: String) -> [UInt8] {
        let needle = Array(from.utf8), replacement = Array(to.utf8)
        var out = bytes
        for i in 0..<(bytes.count - needle.count) where Array(bytes[i..<i + needle.count]) == needle {
            out.replaceSubrange(i..<i + needle.count, with: replacement)
            break
        }
        return out
    }

    @Test func missingOrUnexpectedTensors() throws {
        let bytes = try Self.lite0Bytes()
        let noHead = reason(renamed(bytes, "_conv_head.weight", "_conv_head.weighz"))
        #expect(noHead?.contains("not an EfficientNet-Lite0/1/2 checkpoint") == true, "\(noHead ?? "no error")")
        let noBias = reason(renamed(bytes, "_fc.bias", "_fc.biaz"))
        #expect(noBias?.contains("missing tensor _fc.bias") == true, "\(noBias ?? "no error")")
    }
}
