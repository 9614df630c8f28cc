/// Direct depthwise k×k convolution over NHWC activations with TF-SAME padding, bias and ReLU6 fused:
/// one pass over the input. Output pixels are computed in tiles of four adjacent pixels × 16 channels
/// (eight independent FMA chains; each weight vector serves four pixels). Tiles whose windows cross the
/// left/right edge read a zero vector for the taps outside the image instead of branching.
enum DepthwiseKernel {
    /// Computes output rows `rows` (indices over `images × outputHeight`). A band (the fused blocks) passes
    /// buffers that start at input row `firstInputRow` and output row `firstOutputRow` (same numbering).
    static func run(_ layer: Plan.Depthwise, input: UnsafePointer<Float>, firstInputRow: Int = 0,
                    output: UnsafeMutablePointer<Float>, firstOutputRow: Int = 0,
                    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Range<Int>) {
        let k = layer.conv.kernel, s = layer.conv.stride
        let c = layer.input.channels
        let inH = layer.input.height, inW = layer.input.width
        let outH = layer.output.height, outW = layer.output.width
        let padTop = layer.rows.before, padLeft = layer.cols.before
        // Output columns whose whole k-wide window lies inside the input.
        let firstInterior = min(outW, (padLeft + s - 1) / s)
        let lastInterior = max(firstInterior, min(outW, (inW - k + padLeft) / s + 1))
        let zeros = zeroVector.pointer
        for row in rows {
            let n = row / outH, oy = row - n * outH
            let iy0 = oy * s - padTop
            let window = Window(image: input + n * inH * inW * c, iy0: iy0 - firstInputRow,
                                ky: max(0, -iy0)..<min(k, inH - iy0), k: k, stride: s, inW: inW, channels: c,
                                weight: weight, bias: bias, zeros: zeros)
            let outRow = output + (row - firstOutputRow) * outW * c
            var ox = 0
            while ox < outW {
                let count = min(4, outW - ox)
                let checked = !(count == 4 && ox >= firstInterior && ox + 4 <= lastInterior)
                let ix0 = ox * s - padLeft, out = outRow + ox * c
                var ch = 0
                while ch + 16 <= c {
                    window.tile16(ix0: ix0, count: count, channel: ch, checked: checked, out: out)
                    ch += 16
                }
                while ch < c {
                    window.tile8(ix0: ix0, count: count, channel: ch, out: out)
                    ch += 8
                }
                ox += count
            }
        }
    }
}

/// 16 zero floats: the input vector read for taps that fall in the padding.
private let zeroVector = FloatBuffer(count: 16)

/// The input rows one output row reads, and the layer's parameters.
private struct Window {
    let image: UnsafePointer<Float>
    /// The window's top input row, counted from the buffer's first row (taps `ky` are the ones inside the image).
    let iy0: Int
    let ky: Range<Int>
    let k: Int
    let stride: Int
    let inW: Int
    let channels: Int
    let weight: UnsafePointer<Float>
    let bias: UnsafePointer<Float>
    let zeros: UnsafePointer<Float>

    /// Where pixel `j` of a tile reads tap column `ix` (zeros outside the row or past `count`).
    @inline(__always)
    private func source(_ row: UnsafePointer<Float>, _ ix: Int, _ j: Int, _ count: Int) -> UnsafePointer<Float> {
        (j < count && ix >= 0 && ix < inW) ? row + ix * channels : zeros
    }

    /// `count` (≤ 4) adjacent output pixels starting at input column `ix0`, channels `channel..<channel+16`.
    @inline(__always)
    func tile16(ix0: Int, count: Int, channel: Int, checked: Bool, out: UnsafeMutablePointer<Float>) {
        let c = channels, s = stride
        let b0 = load8(bias + channel), b1 = load8(bias + channel + 8)
        var a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1
        for y in ky {
            let row = image + (iy0 + y) * inW * c + channel
            let w = weight + y * k * c + channel
            for x in 0..<k {
                let w0 = load8(w + x * c), w1 = load8(w + x * c + 8)
                let ix = ix0 + x
                let p0, p1, p2, p3: UnsafePointer<Float>
                if checked {
                    p0 = source(row, ix, 0, count)
                    p1 = source(row, ix + s, 1, count)
                    p2 = source(row, ix + 2 * s, 2, count)
                    p3 = source(row, ix + 3 * s, 3, count)
                } else {
                    p0 = row + ix * c
                    p1 = p0 + s * c
                    p2 = p1 + s * c
                    p3 = p2 + s * c
                }
                a00 = a00.addingProduct(load8(p0), w0)
                a01 = a01.addingProduct(load8(p0 + 8), w1)
                a10 = a10.addingProduct(load8(p1), w0)
                a11 = a11.addingProduct(load8(p1 + 8), w1)
                a20 = a20.addingProduct(load8(p2), w0)
                a21 = a21.addingProduct(load8(p2 + 8), w1)
                a30 = a30.addingProduct(load8(p3), w0)
                a31 = a31.addingProduct(load8(p3 + 8), w1)
            }
        }
        let o = out + channel
        store8(relu6(a00), o)
        store8(relu6(a01), o + 8)
        if count > 1 { store8(relu6(a10), o + c); store8(relu6(a11), o + c + 8) }
        if count > 2 { store8(relu6(a20), o + 2 * c); store8(relu6(a21), o + 2 * c + 8) }
        if count > 3 { store8(relu6(a30), o + 3 * c); store8(relu6(a31), o + 3 * c + 8) }
    }

    /// As `tile16` for 8 channels (when the width is not a multiple of 16); always bounds-checked.
    func tile8(ix0: Int, count: Int, channel: Int, out: UnsafeMutablePointer<Float>) {
        let c = channels, s = stride
        let b = load8(bias + channel)
        var a0 = b, a1 = b, a2 = b, a3 = b
        for y in ky {
            let row = image + (iy0 + y) * inW * c + channel
            let w = weight + y * k * c + channel
            for x in 0..<k {
                let wv = load8(w + x * c), ix = ix0 + x
                a0 = a0.addingProduct(load8(source(row, ix, 0, count)), wv)
                a1 = a1.addingProduct(load8(source(row, ix + s, 1, count)), wv)
                a2 = a2.addingProduct(load8(source(row, ix + 2 * s, 2, count)), wv)
                a3 = a3.addingProduct(load8(source(row, ix + 3 * s, 3, count)), wv)
            }
        }
        let o = out + channel
        store8(relu6(a0), o)
        if count > 1 { store8(relu6(a1), o + c) }
        if count > 2 { store8(relu6(a2), o + 2 * c) }
        if count > 3 { store8(relu6(a3), o + 3 * c) }
    }
}
