/// The single passes around each SGEMM over rows `rows` of a `[rows × channels]` matrix, 8 channels at a time:
/// bias + ReLU6 after the expand/stem SGEMM, and the projection's bias (+ residual) written into the output
/// before its SGEMM accumulates into it (beta = 1), which also spares OpenBLAS its zeroing pass.
enum Epilogue {
    static func biasReLU6(_ c: UnsafeMutablePointer<Float>, rows: Range<Int>, channels: Int,
                          bias: UnsafePointer<Float>) {
        let vectors = channels / 8
        for r in rows {
            let row = c + r * channels
            for v in 0..<vectors { store8(relu6(load8(row + 8 * v) + load8(bias + 8 * v)), row + 8 * v) }
            for ch in (8 * vectors)..<channels { row[ch] = min(max(row[ch] + bias[ch], 0), 6) }
        }
    }

    /// `c[r] = bias + residual[r]` (or just `bias`).
    static func fillBias(_ c: UnsafeMutablePointer<Float>, rows: Range<Int>, channels: Int,
                         bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?) {
        let vectors = channels / 8
        for r in rows {
            let row = c + r * channels
            if let residual {
                let res = residual + r * channels
                for v in 0..<vectors { store8(load8(bias + 8 * v) + load8(res + 8 * v), row + 8 * v) }
                for ch in (8 * vectors)..<channels { row[ch] = bias[ch] + res[ch] }
            } else {
                row.update(from: bias, count: channels)
            }
        }
    }
}
