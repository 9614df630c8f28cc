import Foundation
import Imaging
import Testing
import TestSupport

@Suite struct MalformedInputTests {
    let directory: URL
    let decoder = ImageDecoder()

    init() throws { directory = try TestData.temporaryDirectory("cbr-malformed") }

    /// Writes `bytes` to a file and returns the error decoding it gives.
    func error(decoding bytes: [UInt8], as name: String, with decoder: ImageDecoder? = nil) throws -> ImageError {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        do throws(ImageError) {
            let image = try (decoder ?? self.decoder).decode(contentsOf: url)
            Issue.record("\(name) decoded to \(image.width)×\(image.height) instead of failing")
            throw ImageError(file: "", reason: .empty)
        } catch {
            #expect(error.file == url.path)
            #expect(error.description.hasPrefix(url.path + ": "))
            #expect(!error.description.contains("\n"))
            return error
        }
    }

    enum ImageFormatSignatures {
        static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    }

    func photoBytes(_ name: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: TestData.photo(name))) }

    @Test func zeroByteFile() throws {
        #expect(try error(decoding: [], as: "empty.jpg").reason == .empty)
    }

    @Test func truncatedJPEG() throws {
        let rocket = try photoBytes("rocket.jpg")
        for keep in [rocket.count / 2, rocket.count - 2, 1_000, 3] {
            let reason = try error(decoding: Array(rocket.prefix(keep)), as: "rocket-\(keep).jpg").reason
            guard case .truncated = reason else { Issue.record("\(keep) bytes: \(reason)"); continue }
        }
    }

    @Test func truncatedPNG() throws {
        let chelsea = try photoBytes("chelsea.png")
        for keep in [chelsea.count / 2, chelsea.count - 20, 40, 5] {
            let reason = try error(decoding: Array(chelsea.prefix(keep)), as: "chelsea-\(keep).png").reason
            guard case .truncated = reason else { Issue.record("\(keep) bytes: \(reason)"); continue }
        }
    }

    @Test func randomBytesAndTextAreUnknownFormats() throws {
        var generator = SystemRandomNumberGenerator()
        let noise = (0 ..< 4096).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
        let random = noise[0] == 0xFF || noise[0] == 0x89 ? [0] + noise : noise
        #expect(try error(decoding: random, as: "random.jpg").reason == .unknownFormat)
        let text = Array("cbr is a classification-by-retrieval engine.\n".utf8)
        #expect(try error(decoding: text, as: "notes.png").reason == .unknownFormat)
    }

    @Test func corruptDataAfterAValidSignature() throws {
        // Noise right after the PNG signature: libpng rejects the IHDR.
        let noise = (0 ..< 4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let png = try error(decoding: ImageFormatSignatures.png + noise, as: "noise.png").reason
        guard case .corrupt = png else { Issue.record("noise.png: \(png)"); return }
        // A PNG whose image data is damaged in the middle (its CRC no longer matches).
        var chelsea = try photoBytes("chelsea.png")
        for i in chelsea.count / 2 ..< chelsea.count / 2 + 64 { chelsea[i] ^= 0x5A }
        let damaged = try error(decoding: chelsea, as: "damaged.png").reason
        guard case .corrupt = damaged else { Issue.record("damaged.png: \(damaged)"); return }
        // A JPEG whose scan is interrupted by a bogus Huffman table, then ends properly.
        let rocket = try photoBytes("rocket.jpg")
        let bogus = Array(rocket.prefix(5_000)) + [0xFF, 0xC4, 0x00, 0x05, 0x13, 0x77, 0x01, 0xFF, 0xD9]
        let jpeg = try error(decoding: bogus, as: "bogus-table.jpg").reason
        guard case .corrupt = jpeg else { Issue.record("bogus-table.jpg: \(jpeg)"); return }
    }

    @Test func warningsInScanDataAreToleratedLikePillow() throws {
        // Stray bytes before a marker make libjpeg warn ("extraneous bytes"); Pillow decodes such files.
        let rocket = try photoBytes("rocket.jpg")
        let padded = Array(rocket.dropLast(2)) + [0x12, 0x34, 0x56, 0xFF, 0xD9]
        let url = directory.appendingPathComponent("extraneous.jpg")
        try Data(padded).write(to: url)
        let image = try decoder.decode(contentsOf: url)
        #expect(image == (try decoder.decode(contentsOf: TestData.photo("rocket.jpg"))))
    }

    @Test func imagesOverThePixelLimit() throws {
        let small = ImageDecoder(maxPixels: 100_000)
        for (photo, width, height) in [("rocket.jpg", 640, 427), ("chelsea.png", 451, 300)] {
            let reason = try error(decoding: photoBytes(photo), as: photo, with: small).reason
            #expect(reason == .tooManyPixels(width: width, height: height, limit: 100_000))
        }
        #expect(ImageDecoder().maxPixels == 50_000_000)
        #expect(try ImageDecoder(maxPixels: 640 * 427).decode(contentsOf: TestData.photo("rocket.jpg")).width == 640)
    }

    @Test func missingFile() throws {
        let url = directory.appendingPathComponent("absent.jpg")
        #expect(throws: ImageError.self) { try decoder.decode(contentsOf: url) }
        do throws(ImageError) {
            _ = try decoder.decode(contentsOf: url)
        } catch {
            guard case .unreadable = error.reason else { Issue.record("\(error)"); return }
        }
    }
}
