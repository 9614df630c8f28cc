/// The embedder's input pipeline, exactly as Pillow users compute it: the shorter side resized to
/// S = round(size·256/224) with new dimensions (round(w·s), round(h·s)), s = S / min(w, h) (Python's
/// round-half-even), by Pillow's BILINEAR; the centre size×size crop at ((W − size) div 2, (H − size) div 2);
/// then (x − 127) / 128 as Float in HWC order. Only the cropped pixels of the resize are computed.
public struct Preprocessor: Sendable {
    /// The square input side of the network (224, 240, 260).
    public let size: Int
    /// The shorter side after resizing: round(size·256/224).
    public let shorterSide: Int

    public init(size: Int) {
        precondition(size > 0, "Preprocessor: size must be positive")
        self.size = size
        shorterSide = Int((Double(size * 256) / 224).rounded(.toNearestOrEven))
    }

    /// Floats written per image: size · size · 3.
    public var tensorCount: Int { size * size * 3 }

    /// The resized dimensions of a `width`×`height` image.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let s = Double(shorterSide) / Double(min(width, height))
        return (Int((Double(width) * s).rounded(.toNearestOrEven)),
                Int((Double(height) * s).rounded(.toNearestOrEven)))
    }

    /// The top-left corner of the centre crop in an image of the resized size (Python's floor division).
    public func cropOrigin(resizedWidth: Int, resizedHeight: Int) -> (x: Int, y: Int) {
        func floorHalf(_ v: Int) -> Int { v >= 0 ? v / 2 : (v - 1) / 2 }
        return (floorHalf(resizedWidth - size), floorHalf(resizedHeight - size))
    }

    /// The image with its shorter side resized to `shorterSide` (no crop).
    public func resized(_ image: RGBImage) -> RGBImage {
        let target = resizedSize(width: image.width, height: image.height)
        return BilinearResampler(from: (image.width, image.height), to: target).resize(image)
    }

    /// The resized, centre-cropped image as RGB8 (what `tensor` normalises).
    public func cropped(_ image: RGBImage) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: tensorCount)
        pixels.withUnsafeMutableBufferPointer { crop(image, into: $0) }
        return RGBImage(width: size, height: size, pixels: pixels)
    }

    /// Writes the normalised size×size×3 tensor (HWC) of `image` to the first `tensorCount` floats of `buffer`.
    public func tensor(from image: RGBImage, into buffer: UnsafeMutableBufferPointer<Float>) {
        precondition(buffer.count >= tensorCount, "Preprocessor: buffer holds \(buffer.count) < \(tensorCount) floats")
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: tensorCount)
        defer { bytes.deallocate() }
        crop(image, into: bytes)
        Self.normalised.withUnsafeBufferPointer { table in
            for i in 0 ..< tensorCount { buffer[i] = table[Int(bytes[i])] }
        }
    }

    /// (x − 127) / 128 for every byte value.
    private static let normalised: [Float] = (0 ..< 256).map { (Float($0) - 127) / 128 }

    private func crop(_ image: RGBImage, into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(image.width > 0 && image.height > 0, "Preprocessor: empty image")
        let target = resizedSize(width: image.width, height: image.height)
        let origin = cropOrigin(resizedWidth: target.width, resizedHeight: target.height)
        precondition(origin.x >= 0 && origin.y >= 0, "Preprocessor: resized image smaller than the crop")
        let columns = origin.x ..< origin.x + size, rows = origin.y ..< origin.y + size
        BilinearResampler(from: (image.width, image.height), to: target)
            .resize(image, columns: columns, rows: rows, into: out)
    }
}
