import Foundation
import Testing
import TestSupport

/// `cbr model import` / `cbr model info` as a user runs them.
@Suite struct ModelCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = TestData.cbrBinary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test func importAWheelThenDescribeIt() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("lite1.h5").path
        let imported = try run(["model", "import", try Fixtures.wheel("lite1").path, "--out", out])
        #expect(imported.status == 0, "\(imported.err)")
        let info = try run(["model", "info", out])
        #expect(info.status == 0, "\(info.err)")
        #expect(info.out.contains("EfficientNet-Lite1"))
        #expect(info.out.contains("240×240"))
        #expect(info.out.contains("blocks:       21"))
        #expect(info.out.contains("sha256 77cc7160"))   // the hub file name carries the hash's prefix
    }

    @Test func badInputsExitWithTwoAndAReason() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let junk = dir.appendingPathComponent("junk.pth")
        try Data(repeating: 7, count: 100).write(to: junk)
        let r = try run(["model", "import", junk.path, "--out", dir.appendingPathComponent("m.h5").path])
        #expect(r.status == 2)
        #expect(r.err.contains("\(junk.path): not a legacy PyTorch checkpoint"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.h5").path))
        let info = try run(["model", "info", junk.path])
        #expect(info.status == 2 && info.err.contains("not an HDF5 file"))
    }
}
