/// How libpng delivers a row after `prepare()`, and its conversion to RGB8.
struct PNGSampleLayout {
    var type: LibPNGReader.ColorType
    var bitDepth: Int
    var channels: Int

    var isRGB8: Bool { type == .rgb && bitDepth == 8 && channels == 3 }

    /// Converts the first `count` pixels of `row` to RGB8, writing pixel i at `start + i·step` of `pixels`.
    /// The caller keeps every write inside `pixels` (the pass geometry does).
    func convert(_ row: UnsafeBufferPointer<UInt8>, count: Int, palette: [UInt8],
                 into dst: UnsafeMutableBufferPointer<UInt8>, from start: Int, step: Int) {
        let bytesPerSample = bitDepth == 16 ? 2 : 1
        let sampleStep = channels * bytesPerSample
        let colour = type == .rgb || type == .rgbAlpha
        let clipGrey16 = type == .gray && bitDepth == 16
        palette.withUnsafeBufferPointer { lut in
            var s = 0, o = start
            for _ in 0 ..< count {
                if type == .palette {
                    let entry = Int(row[s]) * 3
                    dst[o] = lut[entry]; dst[o + 1] = lut[entry + 1]; dst[o + 2] = lut[entry + 2]
                } else if colour {
                    // High byte of each 16-bit sample; the byte itself at 8 bits.
                    dst[o] = row[s]
                    dst[o + 1] = row[s + bytesPerSample]
                    dst[o + 2] = row[s + 2 * bytesPerSample]
                } else {
                    let v = clipGrey16 ? (row[s] == 0 ? row[s + 1] : 255) : row[s]
                    dst[o] = v; dst[o + 1] = v; dst[o + 2] = v
                }
                s += sampleStep
                o += step
            }
        }
    }
}

/// One Adam7 pass: the pixels at (x0 + i·dx, y0 + j·dy); `whole` is a non-interlaced image's single pass.
struct AdamPass {
    var x0: Int, y0: Int, dx: Int, dy: Int

    static let whole = AdamPass(x0: 0, y0: 0, dx: 1, dy: 1)
    static let all = [
        AdamPass(x0: 0, y0: 0, dx: 8, dy: 8), AdamPass(x0: 4, y0: 0, dx: 8, dy: 8),
        AdamPass(x0: 0, y0: 4, dx: 4, dy: 8), AdamPass(x0: 2, y0: 0, dx: 4, dy: 4),
        AdamPass(x0: 0, y0: 2, dx: 2, dy: 4), AdamPass(x0: 1, y0: 0, dx: 2, dy: 2),
        AdamPass(x0: 0, y0: 1, dx: 1, dy: 2),
    ]

    /// The pixels of this pass in each row of an image `width` wide (libpng skips a pass with none).
    func columns(_ width: Int) -> Int { width > x0 ? (width - x0 + dx - 1) / dx : 0 }
    /// The rows of this pass in an image `height` high.
    func rows(_ height: Int) -> Int { height > y0 ? (height - y0 + dy - 1) / dy : 0 }
}
