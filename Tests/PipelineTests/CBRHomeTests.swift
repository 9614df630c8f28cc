import Foundation
import Pipeline
import Testing
import TestSupport

/// `CBRHome`: the one place `$CBR_HOME` is resolved (the demo's photos, the default model, the benchmarks' Python).
@Suite struct CBRHomeTests {
    @Test func locationsAreTheSetUpsFiles() throws {
        let home = CBRHome(environment: ["CBR_HOME": TestData.home.path])
        #expect(home.root.path == TestData.home.path)
        #expect(home.photos.path == TestData.photos.path)
        #expect(FileManager.default.isExecutableFile(atPath: home.python.path))
        let photos = try FileManager.default.contentsOfDirectory(atPath: home.photos.path)
        #expect(photos.contains("chelsea.png"))
        let model = try EmbeddingModel.load(home.defaultModel)
        #expect(model.identity.name == "efficientnet-lite0")
        #expect(home.defaultModel.deletingLastPathComponent().path == home.models.path)
    }

    @Test func unsetOrEmptyMeansDotCacheAsTheMakefiles() {
        let cache = URL(fileURLWithPath: ".cache").path
        #expect(CBRHome(environment: [:]).root.path == cache)
        #expect(CBRHome(environment: ["CBR_HOME": ""]).root.path == cache)
        #expect(CBRHome(environment: [:]).defaultModel.path == cache + "/models/efficientnet-lite0.h5")
    }
}
