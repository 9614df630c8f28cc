import Foundation
import Imaging
import Testing
import TestSupport

/// The largest per-byte difference between two equally long byte arrays.
func maxAbsDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    precondition(a.count == b.count)
    var worst = 0
    for i in a.indices { worst = max(worst, abs(Int(a[i]) - Int(b[i]))) }
    return worst
}

@Suite struct DecodingTests {
    let fixtures: PillowFixtures
    let decoder = ImageDecoder()

    init() throws { fixtures = try PillowFixtures.shared.get() }

    @Test func everyPhotoDecodesToPillowsSize() throws {
        let photos = try FileManager.default.contentsOfDirectory(atPath: TestData.photos.path)
        #expect(photos.count >= 20)
        for name in photos {
            let entry = try #require(fixtures.entries.first { $0.file.path == TestData.photo(name).path })
            let image = try decoder.decode(contentsOf: TestData.photo(name))
            #expect(image.width == entry.width && image.height == entry.height, "\(name)")
            #expect(image.pixels.count == entry.width * entry.height * 3)
        }
    }

    /// Decodes each entry and compares it with Pillow's decode; returns the largest difference seen.
    @discardableResult
    func compareWithPillow(_ entries: [PillowFixtures.Entry], tolerance: Int) throws -> Int {
        var worst = 0
        for entry in entries {
            let image = try decoder.decode(contentsOf: entry.file)
            let reference = try [UInt8](Data(contentsOf: entry.reference))
            #expect(image.width == entry.width && image.height == entry.height, "\(entry.name)")
            guard image.pixels.count == reference.count else { continue }
            let diff = maxAbsDifference(image.pixels, reference)
            #expect(diff <= tolerance, "\(entry.name): max difference \(diff)")
            worst = max(worst, diff)
        }
        return worst
    }

    @Test func pngsEqualPillowPixelForPixel() throws {
        let pngs = fixtures.entries(withExtension: "png")
        #expect(pngs.count >= 40)
        try compareWithPillow(pngs, tolerance: 0)
    }

    @Test func jpegsAgreeWithPillowWithinOneGreyLevel() throws {
        let jpegs = fixtures.entries(withExtension: "jpg")
        #expect(jpegs.count >= 17)
        let worst = try compareWithPillow(jpegs, tolerance: 1)
        print("JPEG decode vs Pillow: max difference \(worst) over \(jpegs.count) files")
    }

    @Test func decodingFromMemoryEqualsDecodingTheFile() throws {
        let url = TestData.photo("rocket.jpg")
        let fromMemory = try decoder.decode(data: Data(contentsOf: url), name: "rocket")
        #expect(fromMemory == (try decoder.decode(contentsOf: url)))
    }
}
