import Foundation
import Testing
import TestSupport

/// The float64 reference itself must be right before it can judge cbr: Pillow preprocessing + the
/// unfolded network classify scikit-image's cat and espresso photos correctly for every variant.
@Suite struct ReferenceTests {
    @Test(arguments: ["lite0", "lite1", "lite2"])
    func referenceClassifiesRealPhotos(variant: String) throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let features = dir.appendingPathComponent("f.f32")
        let (status, text, _) = try ChildProcess.run(
            TestData.python,
            [Fixtures.referenceScript.path, try Fixtures.checkpoint(variant).path,
             "--image", TestData.photo("chelsea.png").path, TestData.photo("coffee.png").path,
             "--features", features.path, "--top", "1"])
        #expect(status == 0)
        let top = text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        #expect(top.count == 2)
        #expect([281, 282, 285].contains(top.first ?? -1), "chelsea.png top-1 \(top)")
        #expect(top.last == 967, "coffee.png top-1 \(top)")
        let f = try Fixtures.readFloats(features)
        #expect(f.count == 2 * 1280 && f.allSatisfy { $0 >= 0 && $0 <= 6 })   // pooled ReLU6 activations
    }
}
