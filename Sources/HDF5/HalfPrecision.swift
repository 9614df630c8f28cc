/// Float16 ⇄ Float conversion of whole buffers (vectorised by the compiler: F16C on x86-64-v3).
enum HalfPrecision {
    static func widen(_ source: UnsafeBufferPointer<Float16>, into target: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == target.count)
        for index in 0..<source.count { target[index] = Float(source[index]) }
    }

    static func narrow(_ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float16>) {
        precondition(source.count == target.count)
        for index in 0..<source.count { target[index] = Float16(source[index]) }
    }
}
