/// Direct depthwise k×k convolution over NHWC activations with TF-SAME padding, bias and ReLU6 fused:
/// one pass over the input, 8 channels per SIMD lane group, 32 channels per step for ILP.
enum DepthwiseKernel {
    /// Computes output rows `rows` (indices over `images × outputHeight`).
    static func run(_ layer: Plan.Depthwise, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Range<Int>) {
        let k = layer.conv.kernel, s = layer.conv.stride
        let c = layer.input.channels
        let inH = layer.input.height, inW = layer.input.width
        let outH = layer.output.height, outW = layer.output.width
        let padTop = layer.rows.before, padLeft = layer.cols.before
        let imageFloats = inH * inW * c
        for row in rows {
            let n = row / outH, oy = row - n * outH
            let iy0 = oy * s - padTop
            let kyLo = max(0, -iy0), kyHi = min(k, inH - iy0)
            let image = input + n * imageFloats
            let outRow = output + row * outW * c
            for ox in 0..<outW {
                let ix0 = ox * s - padLeft
                let kxLo = max(0, -ix0), kxHi = min(k, inW - ix0)
                pixel(image: image, iy0: iy0, ix0: ix0, ky: kyLo..<kyHi, kx: kxLo..<kxHi, k: k,
                      rowStride: inW * c, channels: c, weight: weight, bias: bias, out: outRow + ox * c)
            }
        }
    }

    @inline(__always)
    private static func pixel(image: UnsafePointer<Float>, iy0: Int, ix0: Int, ky: Range<Int>, kx: Range<Int>, k: Int,
                              rowStride: Int, channels c: Int, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let zero = SIMD8<Float>(repeating: 0), six = SIMD8<Float>(repeating: 6)
        var ch = 0
        while ch + 32 <= c {
            var a0 = load(bias + ch), a1 = load(bias + ch + 8), a2 = load(bias + ch + 16), a3 = load(bias + ch + 24)
            for y in ky {
                let src = image + (iy0 + y) * rowStride + ix0 * c + ch
                let w = weight + y * k * c + ch
                for x in kx {
                    let p = src + x * c, q = w + x * c
                    a0 = load(p).addingProduct(load(q), a0)
                    a1 = load(p + 8).addingProduct(load(q + 8), a1)
                    a2 = load(p + 16).addingProduct(load(q + 16), a2)
                    a3 = load(p + 24).addingProduct(load(q + 24), a3)
                }
            }
            store(a0.clamped(lowerBound: zero, upperBound: six), out + ch)
            store(a1.clamped(lowerBound: zero, upperBound: six), out + ch + 8)
            store(a2.clamped(lowerBound: zero, upperBound: six), out + ch + 16)
            store(a3.clamped(lowerBound: zero, upperBound: six), out + ch + 24)
            ch += 32
        }
        while ch + 8 <= c {
            var a0 = load(bias + ch)
            for y in ky {
                let src = image + (iy0 + y) * rowStride + ix0 * c + ch
                let w = weight + y * k * c + ch
                for x in kx { a0 = load(src + x * c).addingProduct(load(w + x * c), a0) }
            }
            store(a0.clamped(lowerBound: zero, upperBound: six), out + ch)
            ch += 8
        }
        while ch < c {
            var a = bias[ch]
            for y in ky {
                for x in kx { a += image[(iy0 + y) * rowStride + (ix0 + x) * c + ch] * weight[(y * k + x) * c + ch] }
            }
            out[ch] = min(max(a, 0), 6)
            ch += 1
        }
    }

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
