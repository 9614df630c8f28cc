import Foundation
import Pipeline
import ShardedIndex
import Testing
import TestSupport

@Suite struct BadInputTests {
    @Test func corruptEmptyAndNonImageFilesAreListedAndTheRestIndexed() throws {
        let root = try TestData.temporaryDirectory("bad-inputs")
        let data = root.appendingPathComponent("data")
        let fm = FileManager.default
        for name in ["cat", "drink", "space"] {
            try fm.createDirectory(at: data.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        try fm.copyItem(at: TestData.photo("chelsea.png"), to: data.appendingPathComponent("cat/chelsea.png"))
        try fm.copyItem(at: TestData.photo("coffee.png"), to: data.appendingPathComponent("drink/coffee.png"))
        try fm.copyItem(at: TestData.photo("rocket.jpg"), to: data.appendingPathComponent("space/rocket.jpg"))
        let jpeg = try Data(contentsOf: TestData.photo("hubble_deep_field.jpg"))
        try jpeg.prefix(jpeg.count / 3).write(to: data.appendingPathComponent("space/truncated.jpg"))
        var garbled = jpeg
        for i in stride(from: 200, to: garbled.count, by: 7) { garbled[i] = 0xFF }
        try garbled.write(to: data.appendingPathComponent("space/corrupt.jpg"))
        try Data().write(to: data.appendingPathComponent("drink/empty.png"))
        try Data("not an image\n".utf8).write(to: data.appendingPathComponent("cat/notes.txt"))
        try Data("x".utf8).write(to: data.appendingPathComponent("stray.jpg"))

        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "build", data.path, "--index", index.path])
        #expect(run.status == 1)
        for bad in ["space/truncated.jpg", "space/corrupt.jpg", "drink/empty.png", "stray.jpg"] {
            #expect(run.stderr.contains("cbr: " + data.appendingPathComponent(bad).path + ": "), "\(bad) not listed in \(run.stderr)")
        }
        // Inside directories only images are walked (README, "Image inputs"): notes.txt is not an input.
        #expect(!run.stderr.contains("notes.txt"))
        #expect(run.stderr.contains("empty file"))
        #expect(run.stdout.contains("skipped 4"))
        let reader = try ShardedIndexReader(directory: index)
        #expect(try reader.allIDs().sorted() == ["cat/chelsea.png", "drink/coffee.png", "space/rocket.jpg"])

        let classify = try CLIRun.cbr(["classify", data.appendingPathComponent("space").path, "--index", index.path, "--top", "1"])
        #expect(classify.status == 1)
        #expect(classify.stderr.contains("truncated.jpg") && classify.stderr.contains("corrupt.jpg"))
        #expect(classify.stdout.contains("space/rocket.jpg,1,space,"))
    }

    @Test func csvAndJSONOutputQuoteAwkwardPaths() {
        #expect(PredictionWriter.csvField("a/b.jpg") == "a/b.jpg")
        #expect(PredictionWriter.csvField("a,b \"c\".jpg") == "\"a,b \"\"c\"\".jpg\"")
        #expect(PredictionWriter.csvField("line\nbreak") == "\"line\nbreak\"")
        #expect(PredictionWriter.jsonString("a\"b\\c\n\u{1}é") == "\"a\\\"b\\\\c\\n\\u0001é\"")
    }
}
