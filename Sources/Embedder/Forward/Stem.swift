/// The stem: a dense k×k convolution over the few input channels (RGB) with TF-SAME padding, computed
/// directly: each input value is broadcast against a row of the HWIO weights, two output pixels × 32
/// output channels at a time (eight accumulators), bias and ReLU6 fused into the store.
enum StemKernel {
    /// Computes output rows `rows` (indices over `images × outputHeight`).
    static func run(_ plan: Plan, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Range<Int>) {
        let k = plan.stem.kernel, s = plan.stem.stride, cin = plan.image.channels, cout = plan.stem.outChannels
        let inH = plan.image.height, inW = plan.image.width
        let outH = plan.stemOutput.height, outW = plan.stemOutput.width
        let padTop = plan.stemRows.before, padLeft = plan.stemCols.before
        let zeros = UnsafePointer(stemZeros.pointer)
        precondition(cin <= 8 && cout % 32 == 0, "stem kernel expects ≤ 8 input channels and a multiple of 32 outputs")
        for row in rows {
            let n = row / outH, oy = row - n * outH
            let image = input + n * inH * inW * cin
            var ox = 0
            while ox < outW {
                let pair = ox + 1 < outW
                for chunk in stride(from: 0, to: cout, by: 32) {
                    let b = bias + chunk
                    var a0 = load8(b), a1 = load8(b + 8), a2 = load8(b + 16), a3 = load8(b + 24)
                    var c0 = a0, c1 = a1, c2 = a2, c3 = a3
                    for ky in 0..<k {
                        let iy = oy * s - padTop + ky
                        let rowOK = iy >= 0 && iy < inH
                        for kx in 0..<k {
                            let ix = ox * s - padLeft + kx, jx = ix + s
                            let p = rowOK && ix >= 0 && ix < inW ? image + (iy * inW + ix) * cin : zeros
                            let q = rowOK && pair && jx >= 0 && jx < inW ? image + (iy * inW + jx) * cin : zeros
                            var w = weight + (ky * k + kx) * cin * cout + chunk
                            for ci in 0..<cin {
                                let w0 = load8(w), w1 = load8(w + 8), w2 = load8(w + 16), w3 = load8(w + 24)
                                let x = SIMD8<Float>(repeating: p[ci]), y = SIMD8<Float>(repeating: q[ci])
                                a0 = a0.addingProduct(x, w0); a1 = a1.addingProduct(x, w1)
                                a2 = a2.addingProduct(x, w2); a3 = a3.addingProduct(x, w3)
                                c0 = c0.addingProduct(y, w0); c1 = c1.addingProduct(y, w1)
                                c2 = c2.addingProduct(y, w2); c3 = c3.addingProduct(y, w3)
                                w += cout
                            }
                        }
                    }
                    let o = output + (row * outW + ox) * cout + chunk
                    store8(relu6(a0), o); store8(relu6(a1), o + 8); store8(relu6(a2), o + 16); store8(relu6(a3), o + 24)
                    if pair {
                        store8(relu6(c0), o + cout); store8(relu6(c1), o + cout + 8)
                        store8(relu6(c2), o + cout + 16); store8(relu6(c3), o + cout + 24)
                    }
                }
                ox += pair ? 2 : 1
            }
        }
    }
}

/// Zero input channels read for taps in the padding.
private let stemZeros = FloatBuffer(count: 8)
