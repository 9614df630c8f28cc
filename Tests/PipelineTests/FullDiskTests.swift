import Foundation
import Testing
import TestSupport

/// A small tmpfs, filled by the output: the write fails with "No space left on device", the command
/// exits 2 naming the file, and no partial file is left. Needs `mount` to work (root, no sandbox).
private enum SmallDisk {
    /// Mounts a tmpfs of `kilobytes` at a new directory; nil when mounting is not possible here.
    static func mount(kilobytes: Int) -> URL? {
        guard let dir = try? TestData.temporaryDirectory("full-disk"),
              let run = try? ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", dir.path]),
              run.status == 0 else { return nil }
        return dir
    }

    static func unmount(_ dir: URL) { _ = try? ChildProcess.run("/bin/umount", [dir.path]) }

    static let available: Bool = {
        guard let probe = mount(kilobytes: 4) else { return false }
        unmount(probe)
        return true
    }()
}

@Suite(.enabled(if: SmallDisk.available, "cannot mount a tmpfs here (needs root): /dev/full tests cover the write path"))
struct FullDiskTests {
    @Test func classifyAndEmbedOnAFullDiskExitTwoAndLeaveNoFile() throws {
        let root = try TestData.temporaryDirectory("full-disk-data")
        let photos = ["chelsea.png", "coffee.png", "rocket.jpg", "astronaut.png", "horse.png", "camera.png"]
        for photo in photos {
            let folder = root.appendingPathComponent("data/\((photo as NSString).deletingPathExtension)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: TestData.photo(photo), to: folder.appendingPathComponent(photo))
        }
        let index = root.appendingPathComponent("index")
        let build = try CLIRun.cbr(["index", "build", root.appendingPathComponent("data").path, "--index", index.path])
        #expect(build.status == 0, "\(build.stderr)")

        let disk = try #require(SmallDisk.mount(kilobytes: 4))
        defer { SmallDisk.unmount(disk) }
        // A 5 KB file fills the 4 KB disk, then the predictions and embeddings have no room left.
        try Data(count: 4096).write(to: disk.appendingPathComponent("filler"))
        let csv = disk.appendingPathComponent("predictions.csv")
        let queries = photos.map { TestData.photo($0).path }
        let classify = try CLIRun.cbr(["classify"] + queries + ["--index", index.path, "--out", csv.path])
        #expect(classify.status == 2)
        #expect(classify.stderr == "cbr: \(csv.path): No space left on device\n", "\(classify.stderr)")
        let embedded = disk.appendingPathComponent("e.h5")
        let embed = try CLIRun.cbr(["embed"] + queries + ["--out", embedded.path])
        #expect(embed.status == 2)
        #expect(embed.stderr == "cbr: \(embedded.path): No space left on device\n", "\(embed.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path) == ["filler"])
    }
}
