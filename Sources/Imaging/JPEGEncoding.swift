extension RGBImage {
    /// This image as a baseline JPEG (libjpeg-turbo, 4:2:0, `quality` 1…100); nil for an empty image or when
    /// the codec fails.
    public func jpegData(quality: Int = 85) -> [UInt8]? {
        guard let compressor = TurboJPEGCompressor() else { return nil }
        return pixels.withUnsafeBufferPointer { compressor.encode($0, width: width, height: height, quality: quality) }
    }

    /// This image scaled down (bilinear) so that its longer side is at most `side` pixels; unchanged when it
    /// already fits.
    public func thumbnail(side: Int) -> RGBImage {
        let longer = Swift.max(width, height)
        guard side > 0, longer > side else { return self }
        let scaled = (width: Swift.max(1, width * side / longer), height: Swift.max(1, height * side / longer))
        return BilinearResampler(from: (width, height), to: scaled).resize(self)
    }
}
