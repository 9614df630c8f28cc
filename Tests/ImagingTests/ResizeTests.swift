import Foundation
import Imaging
import Testing
import TestSupport

/// Pillow's resize and preprocessing on the same source pixels (Pillow's own decode, passed as raw bytes).
@Suite struct ResizeTests {
    static let photos = ["chelsea.png", "astronaut.png", "coffee.png", "rocket.jpg", "hubble_deep_field.jpg",
                         "motorcycle_left.png", "camera.png", "page.png", "retina.jpg",
                         "narrow-synthetic"]
    /// Target sizes as fractions of the source, plus fixed ones: downscales by various factors, upscales,
    /// one axis only, extreme aspect changes.
    static let targets: [(Double, Double)] = [(0.5, 0.5), (0.37, 0.61), (0.1, 0.13), (1.7, 1.3), (1.0, 0.42),
                                              (0.77, 1.0), (2.5, 0.2), (1.3, 0.8), (1.01, 0.99)]

    static let script = #"""
import sys, os
import numpy as np
from PIL import Image, ImageOps
out, photos = sys.argv[1], sys.argv[2].split(",")
fractions = [tuple(map(float, t.split("x"))) for t in sys.argv[3].split(",")]
def images():
    for name in photos:
        if name == "narrow-synthetic":  # 7×900 noise: a huge upscale of one axis, far beyond the crop
            yield name, Image.fromarray(np.random.default_rng(3).integers(0, 256, (900, 7, 3), dtype=np.uint8))
            continue
        with Image.open(os.path.join(os.environ["CBR_PHOTOS"], name)) as im:
            yield name, ImageOps.exif_transpose(im).convert("RGB")
for name, rgb in images():
    base = os.path.join(out, name)
    open(base + ".src", "wb").write(np.asarray(rgb).tobytes())
    print(f"src\t{name}\t{rgb.width}\t{rgb.height}")
    for i, (fx, fy) in enumerate(fractions):
        w, h = max(1, round(rgb.width * fx)), max(1, round(rgb.height * fy))
        resized = rgb.resize((w, h), Image.BILINEAR)
        open(f"{base}.{i}.resized", "wb").write(np.asarray(resized).tobytes())
        print(f"resized\t{name}\t{i}\t{w}\t{h}")
    for size in (224, 240, 260):
        S = round(size * 256 / 224)
        s = S / min(rgb.width, rgb.height)
        new = (round(rgb.width * s), round(rgb.height * s))
        resized = rgb.resize(new, Image.BILINEAR)
        left, top = (new[0] - size) // 2, (new[1] - size) // 2
        crop = resized.crop((left, top, left + size, top + size))
        x = (np.asarray(crop, dtype=np.float32) - 127) / 128
        open(f"{base}.{size}.tensor", "wb").write(x.astype("<f4").tobytes())
        open(f"{base}.{size}.short", "wb").write(np.asarray(resized).tobytes())
        print(f"tensor\t{name}\t{size}\t{new[0]}\t{new[1]}\t{left}\t{top}")
"""#

    struct Reference {
        var directory: URL
        var lines: [[String]]
    }

    static let reference: Result<Reference, any Error> = Result {
        let directory = try TestData.temporaryDirectory("cbr-resize")
        setenv("CBR_PHOTOS", TestData.photos.path, 1)
        let targets = Self.targets.map { "\($0.0)x\($0.1)" }.joined(separator: ",")
        let output = try TestData.runPython(script, [directory.path, photos.joined(separator: ","), targets])
        return Reference(directory: directory,
                         lines: output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) })
    }

    func source(_ name: String, _ ref: Reference) throws -> RGBImage {
        let line = try #require(ref.lines.first { $0[0] == "src" && $0[1] == name })
        let pixels = try [UInt8](Data(contentsOf: ref.directory.appendingPathComponent(name + ".src")))
        return RGBImage(width: Int(line[2])!, height: Int(line[3])!, pixels: pixels)
    }

    @Test(arguments: photos) func resizeEqualsPillowBilinear(photo: String) throws {
        let ref = try Self.reference.get()
        let image = try source(photo, ref)
        var worst = 0
        var totalDiff = 0, totalCount = 0
        for line in ref.lines where line[0] == "resized" && line[1] == photo {
            let (w, h) = (Int(line[3])!, Int(line[4])!)
            let expected = try [UInt8](Data(contentsOf: ref.directory.appendingPathComponent("\(photo).\(line[2]).resized")))
            let resized = BilinearResampler(from: (image.width, image.height), to: (w, h)).resize(image)
            #expect(resized.width == w && resized.height == h)
            let diff = maxAbsDifference(resized.pixels, expected)
            worst = max(worst, diff)
            totalDiff += zip(resized.pixels, expected).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
            totalCount += expected.count
            // Pillow 13 orders the two passes by a rule cbr reproduces only in part (docs/imaging.md): on the
            // narrow synthetic image some shrinking targets come out of the other order, ±1 on a few pixels.
            let tolerance = photo == "narrow-synthetic" ? 1 : 0
            #expect(diff <= tolerance, "\(photo) → \(w)×\(h) from \(image.width)×\(image.height): max difference \(diff)")
        }
        #expect(totalCount > 0)
        #expect(Double(totalDiff) / Double(max(totalCount, 1)) < 0.05)
        print("resize \(photo): max difference \(worst), mean \(Double(totalDiff) / Double(max(totalCount, 1)))")
    }

    @Test(arguments: photos) func tensorEqualsPillowPipeline(photo: String) throws {
        let ref = try Self.reference.get()
        let image = try source(photo, ref)
        for line in ref.lines where line[0] == "tensor" && line[1] == photo {
            let size = Int(line[2])!
            let pre = Preprocessor(size: size)
            let resizedSize = pre.resizedSize(width: image.width, height: image.height)
            #expect(resizedSize == (Int(line[3])!, Int(line[4])!), "\(photo) at \(size)")
            let origin = pre.cropOrigin(resizedWidth: resizedSize.width, resizedHeight: resizedSize.height)
            #expect(origin == (Int(line[5])!, Int(line[6])!), "\(photo) at \(size)")

            let shortSide = try [UInt8](Data(contentsOf: ref.directory.appendingPathComponent("\(photo).\(size).short")))
            #expect(pre.resized(image).pixels == shortSide, "\(photo) resized for \(size)")

            let expectedData = try Data(contentsOf: ref.directory.appendingPathComponent("\(photo).\(size).tensor"))
            let expected = expectedData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            var tensor = [Float](repeating: .nan, count: pre.tensorCount + 1)
            tensor.withUnsafeMutableBufferPointer { pre.tensor(from: image, into: $0) }
            #expect(expected.count == pre.tensorCount)
            #expect(Array(tensor.prefix(pre.tensorCount)) == expected, "\(photo) tensor at \(size)")
            #expect(tensor.last!.isNaN, "wrote past the tensor")
        }
    }

    @Test func cropOfTheResizeEqualsTheCroppedTensorPixels() throws {
        let ref = try Self.reference.get()
        let image = try source("rocket.jpg", ref)
        let pre = Preprocessor(size: 224)
        let full = pre.resized(image)
        let origin = pre.cropOrigin(resizedWidth: full.width, resizedHeight: full.height)
        let crop = pre.cropped(image)
        for y in 0 ..< 224 {
            let a = Array(crop.pixels[(y * 224 * 3) ..< ((y + 1) * 224 * 3)])
            let start = ((origin.y + y) * full.width + origin.x) * 3
            #expect(a == Array(full.pixels[start ..< start + 224 * 3]))
        }
    }

    @Test func geometryFollowsPythonRounding() throws {
        // Sizes that hit exact halves (round half to even) and both orientations.
        let sizes = [(451, 512), (512, 451), (300, 200), (1411, 1411), (640, 427), (427, 640), (1000, 872),
                     (257, 1000), (333, 257), (1025, 683), (4032, 3024), (256, 256), (260, 9000), (97, 101)]
        let script = #"""
import sys
for size in (224, 240, 260):
    S = round(size * 256 / 224)
    for pair in sys.argv[1:]:
        w, h = map(int, pair.split("x"))
        s = S / min(w, h)
        W, H = round(w * s), round(h * s)
        print(size, w, h, W, H, (W - size) // 2, (H - size) // 2, S)
"""#
        let output = try TestData.runPython(script, sizes.map { "\($0.0)x\($0.1)" })
        var checked = 0
        for line in output.split(separator: "\n") {
            let v = line.split(separator: " ").map { Int($0)! }
            let pre = Preprocessor(size: v[0])
            #expect(pre.shorterSide == v[7])
            let resized = pre.resizedSize(width: v[1], height: v[2])
            #expect(resized == (v[3], v[4]), "\(v[1])×\(v[2]) at \(v[0])")
            #expect(pre.cropOrigin(resizedWidth: resized.width, resizedHeight: resized.height) == (v[5], v[6]))
            checked += 1
        }
        #expect(checked == sizes.count * 3)
    }
}
