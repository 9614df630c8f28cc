/// An 8-bit RGB image: `pixels` holds `height` rows of `width` interleaved R, G, B bytes, top row first.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes do not make \(width)×\(height) RGB pixels")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
