/// Resizes RGB8 images exactly as Pillow's `Image.resize((W, H), Image.BILINEAR)`: two separable passes, each
/// accumulating in 32-bit fixed point from 0.5 and rounding with Pillow's `clip8` into an 8-bit intermediate.
/// Like Pillow (13), the horizontal pass comes first unless the height shrinks while the width grows; the
/// first pass covers only what the second reads. Any window of the output can be produced alone (a crop costs
/// only its pixels), bit-identical to the same pixels of the full resize. A pass over an unchanged axis has
/// the single weight 1.0 and copies exactly, as Pillow's skipped pass does.
public struct BilinearResampler: Sendable {
    public let inWidth: Int, inHeight: Int, outWidth: Int, outHeight: Int

    public init(from inSize: (width: Int, height: Int), to outSize: (width: Int, height: Int)) {
        precondition(inSize.width > 0 && inSize.height > 0 && outSize.width > 0 && outSize.height > 0,
                     "BilinearResampler: sizes must be positive")
        (inWidth, inHeight, outWidth, outHeight) = (inSize.width, inSize.height, outSize.width, outSize.height)
    }

    /// Pillow resizes vertically first when the height shrinks and the width grows.
    var verticalFirst: Bool { outHeight < inHeight && outWidth > inWidth }

    /// The whole resized image.
    public func resize(_ image: RGBImage) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            resize(image, columns: 0 ..< outWidth, rows: 0 ..< outHeight, into: out)
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: pixels)
    }

    /// Writes the output pixels in `columns` × `rows` to `out` as RGB8 rows of `columns.count` pixels.
    public func resize(_ image: RGBImage, columns: Range<Int>, rows: Range<Int>,
                       into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(image.width == inWidth && image.height == inHeight, "BilinearResampler: image size mismatch")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= outWidth
                     && rows.lowerBound >= 0 && rows.upperBound <= outHeight, "BilinearResampler: window outside")
        precondition(out.count >= columns.count * rows.count * 3)
        guard !columns.isEmpty, !rows.isEmpty else { return }
        let horizontal = ResampleAxis(inSize: inWidth, outSize: outWidth, outputs: columns)
        let vertical = ResampleAxis(inSize: inHeight, outSize: outHeight, outputs: rows)
        let srcStride = inWidth * 3
        image.pixels.withUnsafeBufferPointer { srcBuffer in
            let src = srcBuffer.baseAddress!
            let dst = out.baseAddress!
            if verticalFirst {
                // Intermediate: the output rows over the input columns the horizontal pass reads.
                let span = horizontal.inputSpan
                let midStride = span.count * 3
                withTemporaryBytes(rows.count * midStride) { mid in
                    verticalPass(vertical, src + span.lowerBound * 3, stride: srcStride, firstRow: 0,
                                 rowBytes: midStride, into: mid, outStride: midStride)
                    horizontalPass(horizontal, mid, stride: midStride, firstColumn: span.lowerBound,
                                   rowCount: rows.count, into: dst, outStride: columns.count * 3)
                }
            } else {
                // Intermediate: the input rows the vertical pass reads, over the output columns.
                let span = vertical.inputSpan
                let midStride = columns.count * 3
                withTemporaryBytes(span.count * midStride) { mid in
                    horizontalPass(horizontal, src + span.lowerBound * srcStride, stride: srcStride, firstColumn: 0,
                                   rowCount: span.count, into: mid, outStride: midStride)
                    verticalPass(vertical, mid, stride: midStride, firstRow: span.lowerBound, rowBytes: midStride,
                                 into: dst, outStride: midStride)
                }
            }
        }
    }

    private func withTemporaryBytes(_ count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Void) {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
        defer { buffer.deallocate() }
        body(buffer)
    }

    /// The axis' output columns for `rowCount` rows of `src`, whose pixel 0 is input column `firstColumn`.
    private func horizontalPass(_ horizontal: ResampleAxis, _ src: UnsafePointer<UInt8>, stride: Int,
                                firstColumn: Int, rowCount: Int, into out: UnsafeMutablePointer<UInt8>,
                                outStride: Int) {
        let half: Int32 = 1 << (ResampleAxis.precisionBits - 1)
        let taps = horizontal.stride
        horizontal.first.withUnsafeBufferPointer { first in
            horizontal.count.withUnsafeBufferPointer { count in
                horizontal.weights.withUnsafeBufferPointer { weights in
                    for y in 0 ..< rowCount {
                        let row = src + y * stride
                        var o = out + y * outStride
                        for xx in 0 ..< horizontal.outputs.count {
                            var r = half, g = half, b = half
                            var s = row + (Int(first[xx]) - firstColumn) * 3
                            let k = xx * taps
                            for t in 0 ..< Int(count[xx]) {
                                let w = weights[k + t]
                                r &+= Int32(s[0]) &* w
                                g &+= Int32(s[1]) &* w
                                b &+= Int32(s[2]) &* w
                                s += 3
                            }
                            o[0] = clip8(r)
                            o[1] = clip8(g)
                            o[2] = clip8(b)
                            o += 3
                        }
                    }
                }
            }
        }
    }

    /// The axis' output rows, `rowBytes` bytes each, from `src`, whose row 0 is input row `firstRow`.
    private func verticalPass(_ vertical: ResampleAxis, _ src: UnsafePointer<UInt8>, stride: Int, firstRow: Int,
                              rowBytes: Int, into out: UnsafeMutablePointer<UInt8>, outStride: Int) {
        let half: Int32 = 1 << (ResampleAxis.precisionBits - 1)
        let taps = vertical.stride
        let accumulator = UnsafeMutablePointer<Int32>.allocate(capacity: rowBytes)
        defer { accumulator.deallocate() }
        vertical.first.withUnsafeBufferPointer { first in
            vertical.count.withUnsafeBufferPointer { count in
                vertical.weights.withUnsafeBufferPointer { weights in
                    for yy in 0 ..< vertical.outputs.count {
                        accumulator.update(repeating: half, count: rowBytes)
                        let top = Int(first[yy]) - firstRow
                        for t in 0 ..< Int(count[yy]) {
                            let w = weights[yy * taps + t]
                            let line = src + (top + t) * stride
                            for j in 0 ..< rowBytes { accumulator[j] &+= Int32(line[j]) &* w }
                        }
                        let target = out + yy * outStride
                        for j in 0 ..< rowBytes { target[j] = clip8(accumulator[j]) }
                    }
                }
            }
        }
    }
}
