/// A 64-byte-aligned float buffer allocated once and reused across layers and calls.
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: self.count * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: self.count)
    }

    /// A copy of `values` (weights are copied once into aligned storage).
    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// One worker's activations for up to `capacity` images: three rotating activation buffers (block input,
/// expanded, depthwise output) and the stem's im2col matrix.
final class Workspace: @unchecked Sendable {
    let capacity: Int
    let activations: [FloatBuffer]
    let columns: FloatBuffer
    var times = LayerTimes()

    init(plan: Plan, capacity: Int) {
        self.capacity = capacity
        activations = (0..<3).map { _ in FloatBuffer(count: capacity * plan.largestActivation) }
        columns = FloatBuffer(count: capacity * plan.stemColumns)
    }
}
