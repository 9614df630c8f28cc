import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 17 probe finding: `--out` naming something that is not a regular file. Outputs are written under a
/// temporary name and renamed, and the rename replaced whatever held the name: `classify --out /dev/full`
/// run as root turned the device node into a regular file (and exited 0). A device, FIFO or socket (here a
/// FIFO, which is safe to lose if this regresses) and a directory are now refused before any work: exit 2,
/// one line naming it, the entry left as it was, no temporary file beside it.
@Suite struct OutputTargetTests {
    /// A real index of 4 rows from an `.fbin` of unit rows, and that file as queries.
    static func searchable(_ root: URL) throws -> (index: URL, queries: URL) {
        let queries = root.appendingPathComponent("rows.fbin")
        var data = Data()
        for word in [UInt32(4), 8] { withUnsafeBytes(of: word.littleEndian) { data.append(contentsOf: $0) } }
        for row in 0..<4 {
            for column in 0..<8 {
                let value: Float = column == row ? 1 : 0
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        try data.write(to: queries)
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "import", queries.path, "--index", index.path])
        #expect(run.status == 0, "\(run.stderr)")
        return (index, queries)
    }

    @Test func aFIFOOrADirectoryAsOutputIsRefusedAndLeftAsItWas() throws {
        let root = try TestData.temporaryDirectory("output-targets")
        let (index, queries) = try Self.searchable(root)
        let fifo = root.appendingPathComponent("results.h5")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let folder = root.appendingPathComponent("folder.h5")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        for (target, reason) in [(fifo, "not a regular file"), (folder, "is a directory")] {
            let run = try CLIRun.cbr(["search", queries.path, "--index", index.path, "--k", "2", "--out", target.path])
            #expect(run.status == 2, "\(target.lastPathComponent): \(run.status) \(run.stderr)")
            #expect(run.stderr.hasPrefix("cbr: \(target.path): \(reason)") && run.stderr.filter { $0 == "\n" }.count == 1,
                    "\(run.stderr)")
        }
        var info = stat()
        #expect(lstat(fifo.path, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the FIFO was replaced")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        let left = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        #expect(left == ["folder.h5", "index", "results.h5", "rows.fbin"], "\(left)")
        // A regular file of that name is still replaced whole.
        let file = root.appendingPathComponent("old.h5")
        try Data("old".utf8).write(to: file)
        let run = try CLIRun.cbr(["search", queries.path, "--index", index.path, "--k", "2", "--out", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Data(contentsOf: file).prefix(4) == Data([0x89, 0x48, 0x44, 0x46]))
    }

    /// `cbr model import --out` goes through the same reservation: a FIFO named by `--out` is refused before
    /// the import's work and left as it was; a regular file is written whole and nothing else is left.
    @Test func modelImportRefusesAFIFOAndLeavesOnlyTheModel() throws {
        let root = try TestData.temporaryDirectory("model-output")
        defer { try? FileManager.default.removeItem(at: root) }
        let checkpoint = try #require(try FileManager.default.contentsOfDirectory(atPath: TestData.weights.path)
            .first { $0.hasPrefix("efficientnet-lite0-") && $0.hasSuffix(".pth") })
        let source = TestData.weights.appendingPathComponent(checkpoint).path
        let fifo = root.appendingPathComponent("model.h5")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let refused = try CLIRun.cbr(["model", "import", source, "--out", fifo.path])
        #expect(refused.status == 2 && refused.stderr.hasPrefix("cbr: \(fifo.path): not a regular file"), "\(refused.stderr)")
        var info = stat()
        #expect(lstat(fifo.path, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the FIFO was replaced")
        let file = root.appendingPathComponent("lite0.h5")
        let run = try CLIRun.cbr(["model", "import", source, "--out", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Data(contentsOf: file).prefix(4) == Data([0x89, 0x48, 0x44, 0x46]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["lite0.h5", "model.h5"])
    }
}
