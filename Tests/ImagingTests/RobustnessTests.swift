import Foundation
import Imaging
import Testing
import TestSupport

/// Damaged files at many places never crash the decoder: each decode returns an image or throws `ImageError`.
@Suite struct RobustnessTests {
    /// Decodes each variant; counts how many decoded and how many threw.
    func survey(_ variants: [[UInt8]], label: String) -> (decoded: Int, failed: Int) {
        let decoder = ImageDecoder(maxPixels: 4_000_000)
        var decoded = 0, failed = 0
        for (i, bytes) in variants.enumerated() {
            do {
                let image = try decoder.decode(data: Data(bytes), name: "\(label)-\(i)")
                #expect(image.pixels.count == image.width * image.height * 3)
                decoded += 1
            } catch {
                #expect(error.file == "\(label)-\(i)")
                #expect(error.description.hasPrefix("\(label)-\(i): ") && !error.description.contains("\n"))
                failed += 1
            }
        }
        return (decoded, failed)
    }

    func variants(of original: [UInt8], seed: UInt64) -> [[UInt8]] {
        var random = SeededGenerator(state: seed)
        var result: [[UInt8]] = []
        for i in 1 ... 120 {                                   // every truncation length class
            result.append(Array(original.prefix(original.count * i / 121)))
        }
        for _ in 0 ..< 150 {                                   // a few damaged bytes anywhere
            var copy = original
            for _ in 0 ..< Int.random(in: 1 ... 4, using: &random) {
                copy[Int.random(in: 0 ..< copy.count, using: &random)] = UInt8.random(in: 0 ... 255, using: &random)
            }
            result.append(copy)
        }
        for _ in 0 ..< 30 {                                    // damage in the first (header) bytes
            var copy = original
            copy[Int.random(in: 2 ..< min(600, copy.count), using: &random)] ^= UInt8.random(in: 1 ... 255, using: &random)
            result.append(copy)
        }
        return result
    }

    @Test(arguments: ["rocket.jpg", "chelsea.png", "logo.png", "chessboard_GRAY.png"])
    func damagedFilesNeverCrash(photo: String) throws {
        let original = try [UInt8](Data(contentsOf: TestData.photo(photo)))
        let all = variants(of: original, seed: 42)
        let (decoded, failed) = survey(all, label: photo)
        #expect(decoded + failed == all.count)
        #expect(failed >= 120, "every truncation must fail, at least")
    }

    /// The declared size edited (PNG IHDR with its CRC fixed, JPEG SOF), whole or cut short: huge sizes with
    /// little data, sizes past the limit, sizes that disagree with the data.
    func sizeEdits(of original: [UInt8], png: Bool, seed: UInt64) -> [[UInt8]] {
        var random = SeededGenerator(state: seed)
        var result: [[UInt8]] = []
        for i in 0 ..< 60 {
            let width = Int.random(in: 1 ... (i < 20 ? 65_535 : 8000), using: &random)
            let height = Int.random(in: 1 ... (i < 20 ? 65_535 : 8000), using: &random)
            let keep = i % 3 == 0 ? original.count : Int.random(in: 40 ..< original.count, using: &random)
            let edited = png ? HeaderEdits.png(original, width: UInt32(width), height: UInt32(height))
                             : HeaderEdits.jpeg(original, width: UInt16(width), height: UInt16(height))
            if let edited { result.append(Array(edited.prefix(keep))) }
        }
        return result
    }

    @Test(arguments: ["rocket.jpg", "hubble_deep_field.jpg", "chelsea.png", "camera.png"])
    func declaredSizeEditsFailWithOneLineReasons(photo: String) throws {
        let original = try [UInt8](Data(contentsOf: TestData.photo(photo)))
        let all = sizeEdits(of: original, png: photo.hasSuffix(".png"), seed: 17)
        #expect(all.count == 60)
        let (decoded, failed) = survey(all, label: photo)
        #expect(decoded + failed == all.count)
        #expect(failed >= 40, "every cut-short edit must fail, at least")
    }

    @Test func concurrentDecodesAgreeWithSerialOnes() throws {
        let names = ["rocket.jpg", "chelsea.png", "coffee.png", "camera.png", "logo.png", "hubble_deep_field.jpg"]
        let decoder = ImageDecoder()
        let serial = try names.map { try decoder.decode(contentsOf: TestData.photo($0)) }
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<RGBImage?>.allocate(capacity: names.count * 4)
        results.initialize(repeating: nil)
        defer { _ = results.deinitialize(); results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: names.count * 4) { i in
            results[i] = try? decoder.decode(contentsOf: TestData.photo(names[i % names.count]))
        }
        for i in 0 ..< names.count * 4 {
            #expect(results[i] == serial[i % names.count], "\(names[i % names.count])")
        }
    }
}
