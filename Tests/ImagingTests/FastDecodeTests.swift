import Foundation
import Imaging
import Testing
import TestSupport

/// `DecodeMode.fast`: JPEGs at least twice the size the resize needs are decoded at 1/2, 1/4 or 1/8 scale
/// (Pillow's `draft` rule: the largest of 8, 4, 2 with min(w, h) ÷ scale ≥ the resize's shorter side); everything
/// else decodes exactly as in `.exact`.
@Suite struct FastDecodeTests {
    let preprocessor = Preprocessor(size: 224)

    @Test("real JPEGs are drafted by the largest scale that keeps the resize's shorter side",
          arguments: [("retina.jpg", 4), ("hubble_deep_field.jpg", 2), ("rocket.jpg", 1)])
    func draftScale(name: String, denominator: Int) throws {
        let exact = try ImageDecoder(for: preprocessor, mode: .exact).decode(contentsOf: TestData.photo(name))
        let fast = try ImageDecoder(for: preprocessor, mode: .fast).decode(contentsOf: TestData.photo(name))
        #expect(fast.width == (exact.width + denominator - 1) / denominator, "\(name)")
        #expect(fast.height == (exact.height + denominator - 1) / denominator, "\(name)")
        #expect(fast.pixels.count == fast.width * fast.height * 3)
        #expect(min(fast.width, fast.height) >= preprocessor.shorterSide, "\(name): drafted below the resize")
        let a = preprocessor.cropped(exact).pixels, b = preprocessor.cropped(fast).pixels
        let mean = zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) } / a.count
        if denominator == 1 {
            #expect(fast == exact, "\(name): a JPEG too small to draft must decode exactly")
        } else {
            // The drafted image, resized to the same crop, stays close to the exact one (grey levels of 255).
            #expect(a != b, "\(name): drafting changed nothing")
            #expect(mean <= 4, "\(name): mean difference \(mean) grey levels after the resize")
        }
    }

    @Test("PNGs and the default decoder are not drafted")
    func pngAndDefault() throws {
        let png = TestData.photo("motorcycle_left.png"), jpeg = TestData.photo("retina.jpg")
        #expect(try ImageDecoder(for: preprocessor, mode: .fast).decode(contentsOf: png)
                    == ImageDecoder().decode(contentsOf: png))
        #expect(ImageDecoder().draftShorterSide == nil)
        #expect(try ImageDecoder(for: preprocessor, mode: .exact).decode(contentsOf: jpeg).width == 1411)
    }

    @Test("a larger network input drafts less", arguments: [(224, 4), (260, 4), (400, 2), (800, 1)])
    func draftFollowsSize(size: Int, denominator: Int) throws {
        let p = Preprocessor(size: size)
        let image = try ImageDecoder(for: p, mode: .fast).decode(contentsOf: TestData.photo("retina.jpg"))
        #expect(image.width == (1411 + denominator - 1) / denominator, "size \(size): shorter side \(p.shorterSide)")
    }
}
