/// Simple geometric views of an image, made in memory (the demo's queries): crops and mirror images.
extension RGBImage {
    /// The `width`×`height` region at (`x`, `y`), clamped to the image.
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> RGBImage {
        let x0 = max(0, min(x, self.width - 1)), y0 = max(0, min(y, self.height - 1))
        let w = max(1, min(width, self.width - x0)), h = max(1, min(height, self.height - y0))
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for row in 0..<h {
            let from = ((y0 + row) * self.width + x0) * 3
            out.replaceSubrange(row * w * 3 ..< (row + 1) * w * 3, with: pixels[from ..< from + w * 3])
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// The image mirrored left to right.
    public func mirrored() -> RGBImage {
        var out = pixels
        for row in 0..<height {
            for column in 0..<width {
                let from = (row * width + column) * 3, to = (row * width + width - 1 - column) * 3
                out[to] = pixels[from]
                out[to + 1] = pixels[from + 1]
                out[to + 2] = pixels[from + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}
