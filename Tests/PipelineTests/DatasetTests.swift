import Foundation
import Pipeline
import Testing
import TestSupport

@Suite struct DatasetTests {
    private func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @Test func classFoldersListClassesAndNestedFilesInOrder() throws {
        let root = try TestData.temporaryDirectory("dataset")
        try write("x", to: root.appendingPathComponent("tower/b.jpg"))
        try write("x", to: root.appendingPathComponent("tower/a.jpg"))
        try write("x", to: root.appendingPathComponent("tower/night/c.jpg"))
        try write("x", to: root.appendingPathComponent("bridge/z.png"))
        try write("x", to: root.appendingPathComponent("bridge/.DS_Store"))
        try write("x", to: root.appendingPathComponent(".hidden/q.jpg"))
        try write("x", to: root.appendingPathComponent("stray.jpg"))
        let dataset = try Dataset.classFolders(at: root)
        #expect(dataset.classNames == ["bridge", "tower"])
        #expect(dataset.items.map(\.key) == ["bridge/z.png", "tower/a.jpg", "tower/b.jpg", "tower/night/c.jpg"])
        #expect(dataset.items.map { dataset.className(of: $0) } == ["bridge", "tower", "tower", "tower"])
        #expect(dataset.items[3].path == root.appendingPathComponent("tower/night/c.jpg").path)
        #expect(dataset.problems.map(\.reason) == ["not inside a class folder"])
        #expect(dataset.problems.first?.path.hasSuffix("stray.jpg") == true)
    }

    @Test func missingDatasetRootIsAnError() throws {
        let root = try TestData.temporaryDirectory("dataset").appendingPathComponent("absent")
        let error = #expect(throws: PipelineError.self) { try Dataset.classFolders(at: root) }
        #expect(error == PipelineError(file: root.path, reason: .noSuchDirectory))
        #expect(error.map { "\($0)" } == root.path + ": no such directory")
    }

    @Test func gldv2TrainCSVMapsIdsToNestedPaths() throws {
        let dir = try TestData.temporaryDirectory("gldv2")
        let csv = dir.appendingPathComponent("train.csv")
        try write("""
            id,url,landmark_id
            6e158a47eb2ca3f6,"https://example.org/a,b.jpg",142820
            202cd79556f30760,http://x/y.jpg,104169
            3ad87684c99c06e1,http://x/z.jpg,142820

            """, to: csv)
        let dataset = try Dataset.gldv2(csv: csv, images: dir.appendingPathComponent("train"))
        #expect(dataset.classNames == ["142820", "104169"])
        #expect(dataset.items.map(\.key) == ["6e158a47eb2ca3f6", "202cd79556f30760", "3ad87684c99c06e1"])
        #expect(dataset.items.map(\.label) == [0, 1, 0])
        #expect(dataset.items[0].path == dir.path + "/train/6/e/1/6e158a47eb2ca3f6.jpg")
    }

    @Test func gldv2CleanCSVExpandsImageLists() throws {
        let dir = try TestData.temporaryDirectory("gldv2")
        let csv = dir.appendingPathComponent("train_clean.csv")
        try write("landmark_id,images\r\n1,abc123 def456\r\n7,0a0b0c\r\n", to: csv)
        let dataset = try Dataset.gldv2(csv: csv, images: dir)
        #expect(dataset.classNames == ["1", "7"])
        #expect(dataset.items.map(\.key) == ["abc123", "def456", "0a0b0c"])
        #expect(dataset.items.map(\.label) == [0, 0, 1])
    }

    @Test func gldv2SolutionMarksDistractorsUnlabelled() throws {
        let dir = try TestData.temporaryDirectory("gldv2")
        let csv = dir.appendingPathComponent("solution.csv")
        try write("id,landmarks,Usage\nfeed01,12,Public\nbeef02,,Private\nc0ffee,5 9,Public\n../x,3,Public\n", to: csv)
        let dataset = try Dataset.gldv2(csv: csv, images: dir)
        #expect(dataset.items.map(\.key) == ["feed01", "beef02", "c0ffee"])
        #expect(dataset.items.map { dataset.className(of: $0) } == ["12", nil, "5"])
        #expect(dataset.problems.map(\.description) == ["../x: not a GLDv2 image id"])
    }

    @Test func gldv2RejectsUnknownHeadersAndShortRows() throws {
        let dir = try TestData.temporaryDirectory("gldv2")
        let bad = dir.appendingPathComponent("bad.csv")
        try write("name,class\na,b\n", to: bad)
        #expect(throws: PipelineError.self) { try Dataset.gldv2(csv: bad, images: dir) }
        let short = dir.appendingPathComponent("short.csv")
        try write("id,landmark_id\nabcdef\n", to: short)
        let error = #expect(throws: PipelineError.self) { try Dataset.gldv2(csv: short, images: dir) }
        #expect(error == PipelineError(file: short.path, reason: .malformedCSV(line: 2, detail: "expected 2 fields, found 1")))
        #expect(error.map { "\($0)" } == short.path + ":2: expected 2 fields, found 1")
    }

    @Test func unlabelledListsFilesAndDirectories() throws {
        let dir = try TestData.temporaryDirectory("queries")
        try write("x", to: dir.appendingPathComponent("q/2.jpg"))
        try write("x", to: dir.appendingPathComponent("q/sub/1.jpg"))
        try write("x", to: dir.appendingPathComponent("single.png"))
        let dataset = Dataset.unlabelled([dir.path + "/q", dir.appendingPathComponent("single.png").path])
        #expect(dataset.items.map(\.path) == [dir.path + "/q/2.jpg", dir.path + "/q/sub/1.jpg", dir.path + "/single.png"])
        #expect(dataset.items.allSatisfy { $0.label == nil })
        // A missing input is a listed problem (the rest goes on), no longer an error ending the command.
        let missing = Dataset.unlabelled([dir.path + "/none", dir.path + "/single.png"])
        #expect(missing.problems.map(\.description) == [dir.path + "/none: no such file"])
        #expect(missing.items.map(\.path) == [dir.path + "/single.png"])
    }
}
