import Foundation
import Pipeline
import Testing
import TestSupport

/// `ImageWalker`'s rules on real photos copied into temporary trees (symlink loops, hidden entries,
/// non-images, Latin-1 names, FIFOs, dangling symlinks, an unreadable folder).
@Suite struct ImageWalkerTests {
    private let fm = FileManager.default

    private func copy(_ photo: String, to url: URL) throws {
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.copyItem(at: TestData.photo(photo), to: url)
    }

    @Test func symlinksToDirectoriesAreFollowedOncePerRealDirectory() throws {
        let root = try TestData.temporaryDirectory("walk-loops")
        try copy("chelsea.png", to: root.appendingPathComponent("a/chelsea.png"))
        try copy("rocket.jpg", to: root.appendingPathComponent("c/rocket.jpg"))
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("a/loop").path, withDestinationPath: ".")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("self").path, withDestinationPath: ".")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("b").path, withDestinationPath: "a")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("c/up").path, withDestinationPath: "..")
        let listing = ImageWalker.expand([root.path])
        #expect(listing.files.map(\.description) == [root.path + "/a/chelsea.png", root.path + "/c/rocket.jpg"])
        #expect(listing.problems.isEmpty)
        // The class-folder walk shares the rule: `b` (= a) is a class with no image of its own left to list.
        let dataset = try Dataset.classFolders(at: root)
        #expect(dataset.items.map(\.key) == ["a/chelsea.png", "c/rocket.jpg"])
    }

    @Test func hiddenAndNonImageEntriesAreSkippedInDirectoriesButNamedFilesAreTried() throws {
        let root = try TestData.temporaryDirectory("walk-rules")
        try copy("coffee.png", to: root.appendingPathComponent("in/z.PNG"))
        try copy("coffee.png", to: root.appendingPathComponent("in/a.JpEg"))
        try copy("coffee.png", to: root.appendingPathComponent("in/.hidden.png"))
        try copy("coffee.png", to: root.appendingPathComponent("in/.cache/x.png"))
        try copy("coffee.png", to: root.appendingPathComponent("in/coffee.data"))
        try Data("notes".utf8).write(to: root.appendingPathComponent("in/notes.txt"))
        try copy("coffee.png", to: root.appendingPathComponent("in/sub/m.jpg"))
        try copy("coffee.png", to: root.appendingPathComponent("in/sub.jpg"))
        let named = root.appendingPathComponent("in/coffee.data").path
        let listing = ImageWalker.expand([root.appendingPathComponent("in").path, named])
        // Sorted by path bytes: "sub.jpg" (.) before "sub/m.jpg" (/), upper case before lower case.
        #expect(listing.files.map(\.description) == ["a.JpEg", "sub.jpg", "sub/m.jpg", "z.PNG"]
            .map { root.path + "/in/" + $0 } + [named])
        #expect(listing.problems.isEmpty)
    }

    @Test func missingDanglingLoopingAndNonRegularInputsAreListedWithPlainReasons() throws {
        let root = try TestData.temporaryDirectory("walk-bad")
        let dir = root.appendingPathComponent("dir")
        try copy("rocket.jpg", to: dir.appendingPathComponent("good.jpg"))
        try copy("rocket.jpg", to: dir.appendingPathComponent("locked/inside.jpg"))
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("dangling.jpg").path, withDestinationPath: "gone.jpg")
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("l1.jpg").path, withDestinationPath: "l2.jpg")
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("l2.jpg").path, withDestinationPath: "l1.jpg")
        try TestData.runPython("import os, sys; os.mkfifo(sys.argv[1])", [dir.appendingPathComponent("pipe.jpg").path])
        try fm.setAttributes([.posixPermissions: 0], ofItemAtPath: dir.appendingPathComponent("locked").path)
        defer { try? fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.appendingPathComponent("locked").path) }
        // As root, mode 000 does not deny reading: the folder is then walked like any other.
        let lockedIsReadable = (try? fm.contentsOfDirectory(atPath: dir.appendingPathComponent("locked").path)) != nil

        let listing = ImageWalker.expand([dir.path, root.appendingPathComponent("absent.jpg").path])
        var expected = [
            dir.path + "/dangling.jpg: no such file (dangling symlink)",
            dir.path + "/l1.jpg: symlink loop",
            dir.path + "/l2.jpg: symlink loop",
            dir.path + "/pipe.jpg: not a regular file",
            root.path + "/absent.jpg: no such file",
        ]
        if !lockedIsReadable { expected.insert(dir.path + "/locked: permission denied", at: 3) }
        #expect(listing.problems.map(\.description) == expected)
        #expect(listing.files.map(\.description) == [dir.path + "/good.jpg"] + (lockedIsReadable ? [dir.path + "/locked/inside.jpg"] : []))
    }

    @Test func aLatin1FileNameIsFoundReadAndEmbedded() throws {
        let root = try TestData.temporaryDirectory("walk-latin1")
        // "café/photo-ü.jpg" in Latin-1 bytes: not UTF-8, so no Swift String can name it.
        try TestData.runPython("""
            import os, shutil, sys
            d = os.path.join(os.fsencode(sys.argv[1]), b'caf\\xe9')
            os.makedirs(d)
            shutil.copy(sys.argv[2], os.path.join(d, b'photo-\\xfc.jpg'))
            """, [root.path, TestData.photo("rocket.jpg").path])
        let listing = ImageWalker.expand([root.path])
        #expect(listing.problems.isEmpty)
        let file = try #require(listing.files.first)
        #expect(listing.files.count == 1)
        #expect(file.bytes == Array((root.path + "/caf").utf8) + [0xE9] + Array("/photo-".utf8) + [0xFC] + Array(".jpg".utf8))
        #expect(!file.isUTF8)
        #expect(DiskPath(url: file.url) == file)

        let model = try EmbeddingModel.load(EmbeddingModel.defaultURL)
        var rows = 0
        var failures: [String] = []
        model.embedder(batchSize: 2, threads: 2).run(listing.files.map(\.url)) { batch in
            rows += batch.count
            failures += batch.failures.map { "\($0.error)" }
        }
        #expect(rows == 1 && failures.isEmpty, "\(failures)")
        // The class-folder walk keeps the raw bytes too.
        let dataset = try Dataset.classFolders(at: root)
        #expect(dataset.items.map(\.file) == [file])
    }

    @Test func aNamedFIFOFailsAtOnceInsteadOfBlocking() throws {
        let root = try TestData.temporaryDirectory("walk-fifo")
        let pipe = root.appendingPathComponent("pipe.png")
        try TestData.runPython("import os, sys; os.mkfifo(sys.argv[1])", [pipe.path])
        let listing = ImageWalker.expand([pipe.path, root.path])
        #expect(listing.files.map(\.description) == [pipe.path])   // named: always tried
        #expect(listing.problems.map(\.reason) == ["not a regular file"])   // inside a directory: listed
        var failures: [String] = []
        try EmbeddingModel.load(EmbeddingModel.defaultURL).embedder(batchSize: 1, threads: 1).run(listing.files.map(\.url)) { batch in
            failures += batch.failures.map { "\($0.error)" }
        }
        #expect(failures == [pipe.path + ": not a regular file"])
    }
}
