import Foundation
import ShardedIndex
import Testing
import TestSupport

/// The image walker through the real `cbr`: symlink loops end (each image once), a Latin-1 directory
/// name works, and a missing input is a listed failure (exit 1) in every command.
@Suite struct CLIInputsTests {
    private let fm = FileManager.default

    /// data/cat/chelsea.png and data/drink/coffee.png, with symlinks back to `.` and across classes.
    private func loopyDataset() throws -> URL {
        let data = try TestData.temporaryDirectory("cli-loops").appendingPathComponent("data")
        for (folder, photo) in [("cat", "chelsea.png"), ("drink", "coffee.png")] {
            try fm.createDirectory(at: data.appendingPathComponent(folder), withIntermediateDirectories: true)
            try fm.copyItem(at: TestData.photo(photo), to: data.appendingPathComponent("\(folder)/\(photo)"))
        }
        for (link, target) in [("cat/loop1", "."), ("cat/loop2", "."), ("all", "."), ("cat/drinks", "../drink")] {
            try fm.createSymbolicLink(atPath: data.appendingPathComponent(link).path, withDestinationPath: target)
        }
        return data
    }

    @Test func symlinkLoopsEndAndEachImageIsIndexedAndClassifiedOnce() throws {
        let data = try loopyDataset()
        let index = data.deletingLastPathComponent().appendingPathComponent("index")
        let build = try CLIRun.cbr(["index", "build", data.path, "--index", index.path])
        #expect(build.status == 0, "\(build.stderr)")
        let reader = try ShardedIndexReader(directory: index)
        #expect(try reader.allIDs().sorted() == ["cat/chelsea.png", "drink/coffee.png"])
        #expect(reader.classes.map(\.name).sorted() == ["cat", "drink"])

        let classify = try CLIRun.cbr(["classify", data.path, "--index", index.path, "--top", "1"])
        #expect(classify.status == 0, "\(classify.stderr)")
        #expect(classify.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(3).joined(separator: ",") }
            == [data.path + "/cat/chelsea.png,1,cat", data.path + "/cat/drinks/coffee.png,1,drink"])
        // (A plain walk meets drink/ first through cat/drinks, in byte order, and then never again.)
    }

    @Test func aMissingInputIsAListedFailureInEveryCommand() throws {
        let data = try loopyDataset()
        let index = data.deletingLastPathComponent().appendingPathComponent("index")
        #expect(try CLIRun.cbr(["index", "build", data.path, "--index", index.path]).status == 0)
        let missing = data.appendingPathComponent("absent.jpg").path
        let photo = TestData.photo("rocket.jpg").path
        let out = data.deletingLastPathComponent().appendingPathComponent("e.h5").path
        for arguments in [["embed", missing, photo, "--out", out],
                          ["predict", missing, photo],
                          ["classify", missing, photo, "--index", index.path]] {
            let run = try CLIRun.cbr(arguments)
            #expect(run.status == 1, "\(arguments): \(run.stderr)")
            #expect(run.stderr == "cbr: \(missing): no such file\n", "\(arguments)")
            #expect(run.stdout.contains(photo) || arguments[0] == "embed")
        }
        #expect(fm.fileExists(atPath: out))
    }

    @Test func aLatin1DirectoryNameIsEmbedded() throws {
        let root = try TestData.temporaryDirectory("cli-latin1")
        let out = root.appendingPathComponent("e.h5")
        let result = try TestData.runPython("""
            import os, shutil, subprocess, sys
            d = os.path.join(os.fsencode(sys.argv[1]), b'caf\\xe9')
            os.makedirs(d)
            shutil.copy(sys.argv[2], os.path.join(d, b'\\xe9t\\xe9.jpg'))
            r = subprocess.run([sys.argv[3], 'embed', d, '--out', sys.argv[4]], capture_output=True,
                               env=dict(os.environ, CBR_HOME=sys.argv[5]))
            sys.stdout.write(f'{r.returncode} {r.stderr!r}')
            """, [root.path, TestData.photo("rocket.jpg").path, TestData.cbrBinary.path, out.path, TestData.home.path])
        #expect(result == "0 b''", "\(result)")
        let shape = try TestData.runPython("import sys, h5py; f = h5py.File(sys.argv[1]); print(f['embeddings'].shape, f['paths'][0])",
                                           [out.path])
        #expect(shape.hasPrefix("(1, 1280)"), "\(shape)")
    }
}
