import Foundation
import Imaging
import Testing
import TestSupport

/// The memory a decode may hold: the per-image pixel limit, the deflate bound on PNGs too short for their
/// header, and the `PixelBudget` shared by decodes in flight (asserted through its accounting).
@Suite struct DecodingLimitsTests {
    func photoBytes(_ name: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: TestData.photo(name))) }

    /// Decodes `bytes` expecting a failure; checks the one-line message that names the input.
    func failure(_ bytes: [UInt8], name: String, decoder: ImageDecoder) -> ImageError? {
        do throws(ImageError) {
            let image = try decoder.decode(data: Data(bytes), name: name)
            Issue.record("\(name) decoded to \(image.width)×\(image.height) instead of failing")
            return nil
        } catch {
            #expect(error.file == name)
            #expect(error.description.hasPrefix(name + ": "))
            #expect(!error.description.contains("\n"))
            return error
        }
    }

    /// A real PNG Pillow writes: a uniform `side`×`side` RGB image, a few tens of KB holding megapixels.
    static func uniformPNG(side: Int, colour: (Int, Int, Int)) throws -> [UInt8] {
        let url = try TestData.temporaryDirectory("cbr-limits").appendingPathComponent("uniform.png")
        try TestData.runPython("""
            import sys
            from PIL import Image
            Image.new("RGB", (int(sys.argv[2]), int(sys.argv[2])), (\(colour.0), \(colour.1), \(colour.2))).save(sys.argv[1])
            """, [url.path, "\(side)"])
        return try [UInt8](Data(contentsOf: url))
    }

    @Test func pngDeclaringAHugeImageWithLittleDataFailsBeforeAnyBuffer() throws {
        // Chelsea's chunks up to its first IDAT, then 2 KB of image data.
        let chelsea = try photoBytes("chelsea.png")
        let idat = try #require((8 ..< chelsea.count - 4).first { chelsea[$0 ..< $0 + 4].elementsEqual("IDAT".utf8) })
        let start = Array(chelsea.prefix(idat + 2048))
        for (width, height) in [(7000, 7000), (50_000, 1000), (1000, 49_000), (2000, 2000)] {
            let budget = PixelBudget(capacity: 100_000_000)
            let edited = HeaderEdits.png(start, width: UInt32(width), height: UInt32(height))
            let error = try #require(failure(edited, name: "huge-\(width)x\(height).png", decoder: ImageDecoder(budget: budget)))
            guard case .truncated(let detail) = error.reason else { Issue.record("\(error)"); continue }
            #expect(detail.contains("cannot hold the \(width)×\(height) image"), "\(error)")
            #expect(budget.peak == 0, "the budget was taken: the decode went past the header")
        }
    }

    @Test func pngWhoseDataCouldHoldItButEndsFailsAndReleasesTheBudget() throws {
        // 2000×2000 RGB needs 11.6 KB at deflate's best; chelsea's 240 KB pass the bound, then run out or
        // break (its rows are 451 pixels wide): the decode took the budget, failed, and gave it back.
        let budget = PixelBudget(capacity: 100_000_000)
        let edited = HeaderEdits.png(try photoBytes("chelsea.png"), width: 2000, height: 2000)
        let error = try #require(failure(edited, name: "wide.png", decoder: ImageDecoder(budget: budget)))
        switch error.reason {
        case .truncated, .corrupt: break
        default: Issue.record("\(error)")
        }
        #expect(budget.peak == 2000 * 2000)
        #expect(budget.inFlight == 0)
    }

    @Test func declaredSizesOverTheLimitAreRefused() throws {
        let decoder = ImageDecoder()
        #expect(ImageDecoder.defaultMaxPixels == 50_000_000)
        let png = HeaderEdits.png(try photoBytes("chelsea.png"), width: 10_000, height: 10_000)
        #expect(failure(png, name: "10k.png", decoder: decoder)?.reason
                == .tooManyPixels(width: 10_000, height: 10_000, limit: 50_000_000))
        let jpeg = try #require(HeaderEdits.jpeg(try photoBytes("rocket.jpg"), width: 60_000, height: 60_000))
        #expect(failure(jpeg, name: "60k.jpg", decoder: decoder)?.reason
                == .tooManyPixels(width: 60_000, height: 60_000, limit: 50_000_000))
    }

    @Test func jpegDeclaringAHugeImageWithoutItsEndFailsBeforeAnyBuffer() throws {
        let rocket = try photoBytes("rocket.jpg")
        let edited = try #require(HeaderEdits.jpeg(rocket, width: 7000, height: 7000))
        let budget = PixelBudget(capacity: 100_000_000)
        let error = failure(Array(edited.prefix(rocket.count / 2)), name: "huge.jpg", decoder: ImageDecoder(budget: budget))
        guard case .truncated = error?.reason else { Issue.record("\(String(describing: error))"); return }
        #expect(budget.peak == 0)
    }

    @Test func jpegDeclaringAHugeImageWithItsEndIsDecodedWithinTheBudget() throws {
        // libjpeg decodes the whole declared frame (it warns and fills what the data lacks, as Pillow
        // accepts): the decode holds the frame's pixels of the budget and gives them back.
        let edited = try #require(HeaderEdits.jpeg(try photoBytes("rocket.jpg"), width: 4000, height: 3000))
        let budget = PixelBudget(capacity: 100_000_000)
        do throws(ImageError) {
            let image = try ImageDecoder(budget: budget).decode(data: Data(edited), name: "tall.jpg")
            #expect(image.width == 4000 && image.height == 3000)
        } catch {
            #expect(error.description.hasPrefix("tall.jpg: ") && !error.description.contains("\n"))
        }
        #expect(budget.peak == 4000 * 3000)
        #expect(budget.inFlight == 0)
    }

    @Test func sixteenHostilePNGsDecodedAtOnceStayWithinTheBudget() throws {
        let side = 3000, colour = (40, 90, 200)
        let png = try Self.uniformPNG(side: side, colour: colour)
        #expect(png.count < 100_000)                                   // 9 MP in a few tens of KB
        let budget = PixelBudget(capacity: 20_000_000)                 // room for two at once
        let decoder = ImageDecoder(budget: budget)
        let rgb = [UInt8(colour.0), UInt8(colour.1), UInt8(colour.2)]
        let expected = Array([[UInt8]](repeating: rgb, count: side * side).joined())
        // Each worker checks its image and drops it: what stays resident is what decoding held.
        nonisolated(unsafe) let correct = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 16)
        correct.initialize(repeating: false)
        defer { correct.deallocate() }
        let done = DispatchGroup()
        for i in 0 ..< 16 {                              // 16 threads, whatever the number of cores
            done.enter()
            Thread {
                let image = try? decoder.decode(data: Data(png), name: "hostile-\(i).png")
                correct[i] = image?.width == side && image?.height == side && image?.pixels == expected
                done.leave()
            }.start()
        }
        done.wait()
        #expect(budget.peak <= 20_000_000)
        #expect(budget.peak >= side * side)
        #expect(budget.inFlight == 0)
        for i in 0 ..< 16 { #expect(correct[i], "hostile-\(i).png did not decode to its uniform colour") }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("16 hostile \(side)×\(side) PNGs at once, budget \(budget.capacity): peak RSS \(usage.ru_maxrss / 1024) MB")
    }

    @Test func anImageLargerThanTheWholeBudgetDecodesAlone() throws {
        let budget = PixelBudget(capacity: 100_000)
        let decoder = ImageDecoder(budget: budget)
        let image = try decoder.decode(contentsOf: TestData.photo("chelsea.png"))       // 451×300
        #expect(image == (try ImageDecoder().decode(contentsOf: TestData.photo("chelsea.png"))))
        #expect(budget.peak == 100_000)
        #expect(budget.inFlight == 0)
        #expect(ImageDecoder().budget === PixelBudget.shared)
        #expect(PixelBudget.shared.capacity == PixelBudget.defaultCapacity)
    }
}
