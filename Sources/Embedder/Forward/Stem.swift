/// The stem's im2col: each output pixel's k×k×cin receptive field (TF-SAME, zeros outside) as one row of
/// a `[pixels × k·k·cin]` matrix in the HWIO order of the stem weights, so one SGEMM computes the conv.
enum Im2col {
    /// Fills the rows of output-image rows `rows` (indices over `images × outputHeight`).
    static func run(_ plan: Plan, input: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let k = plan.stem.kernel, s = plan.stem.stride, cin = plan.image.channels
        let inH = plan.image.height, inW = plan.image.width
        let outH = plan.stemOutput.height, outW = plan.stemOutput.width
        let padTop = plan.stemRows.before, padLeft = plan.stemCols.before
        let width = k * k * cin
        for row in rows {
            let n = row / outH, oy = row - n * outH
            let image = input + n * inH * inW * cin
            var dst = columns + row * outW * width
            for ox in 0..<outW {
                for ky in 0..<k {
                    let iy = oy * s - padTop + ky
                    for kx in 0..<k {
                        let ix = ox * s - padLeft + kx
                        if iy >= 0, iy < inH, ix >= 0, ix < inW {
                            let src = image + (iy * inW + ix) * cin
                            for ci in 0..<cin { dst[ci] = src[ci] }
                        } else {
                            for ci in 0..<cin { dst[ci] = 0 }
                        }
                        dst += cin
                    }
                }
            }
        }
    }
}
