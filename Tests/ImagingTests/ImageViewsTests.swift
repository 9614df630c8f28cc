import Foundation
import Imaging
import Testing
import TestSupport

/// `cropped` and `mirrored` (the demo's in-memory views) against Pillow's `Image.crop` and `ImageOps.mirror`
/// on real photos, byte for byte.
@Suite struct ImageViewsTests {
    static let photos = ["chelsea.png", "coffee.png", "astronaut.png"]

    /// Pillow's crop box (x0, y0, x1, y1) and mirror of `photo`, as raw RGB bytes.
    private func pillow(_ photo: String, crop box: (Int, Int, Int, Int), mirrorCrop: Bool) throws -> (crop: [UInt8], mirror: [UInt8]) {
        let directory = try TestData.temporaryDirectory("cbr-views")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try TestData.runPython("""
            import sys
            from PIL import Image, ImageOps
            src, out, x0, y0, x1, y1, mirror_crop = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:8])
            im = ImageOps.exif_transpose(Image.open(src)).convert("RGB")
            crop = im.crop((x0, y0, x1, y1))
            if mirror_crop:
                crop = ImageOps.mirror(crop)
            open(out + "/crop.rgb", "wb").write(crop.tobytes())
            open(out + "/mirror.rgb", "wb").write(ImageOps.mirror(im).tobytes())
            """, [TestData.photo(photo).path, directory.path, "\(box.0)", "\(box.1)", "\(box.2)", "\(box.3)",
                  mirrorCrop ? "1" : "0"])
        return (crop: [UInt8](try Data(contentsOf: directory.appendingPathComponent("crop.rgb"))),
                mirror: [UInt8](try Data(contentsOf: directory.appendingPathComponent("mirror.rgb"))))
    }

    @Test(arguments: photos) func viewsEqualPillow(photo: String) throws {
        let image = try ImageDecoder().decode(contentsOf: TestData.photo(photo))
        let x = image.width / 4, y = image.height / 5, w = image.width * 3 / 5, h = image.height / 2
        let reference = try pillow(photo, crop: (x, y, x + w, y + h), mirrorCrop: true)
        let view = image.cropped(x: x, y: y, width: w, height: h).mirrored()
        #expect(view.width == w && view.height == h)
        #expect(view.pixels == reference.crop)
        let mirror = image.mirrored()
        #expect(mirror.width == image.width && mirror.height == image.height)
        #expect(mirror.pixels == reference.mirror)
        #expect(mirror.pixels != image.pixels)
        #expect(mirror.mirrored() == image)
    }

    @Test func cropIsClampedToTheImage() throws {
        let image = try ImageDecoder().decode(contentsOf: TestData.photo("chelsea.png"))
        let x = image.width - 30, y = image.height - 20
        let reference = try pillow("chelsea.png", crop: (x, y, image.width, image.height), mirrorCrop: false)
        let corner = image.cropped(x: x, y: y, width: 500, height: 500)
        #expect(corner.width == 30 && corner.height == 20)
        #expect(corner.pixels == reference.crop)
        let outside = image.cropped(x: -10, y: image.height + 5, width: 0, height: 0)
        #expect(outside.width == 1 && outside.height == 1)
        let last = (image.height - 1) * image.width * 3
        #expect(outside.pixels == Array(image.pixels[last ..< last + 3]))
    }
}
