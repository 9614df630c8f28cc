/// A 64-byte-aligned float buffer allocated once and reused across layers and calls.
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: self.count * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: self.count)
        pointer.initialize(repeating: 0, count: self.count)
    }

    /// A copy of `values` (weights are copied once into aligned storage).
    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// One worker's buffers. The early, high-resolution layers run one image at a time (their activations stay
/// in cache); their output for up to `group` images is staged, then the late layers run on the whole group
/// (so that their SGEMMs have enough rows).
final class Workspace: @unchecked Sendable {
    let group: Int
    let scratch: [FloatBuffer]
    let staging: FloatBuffer
    /// The fused early blocks with this worker's band buffers (nil: every block runs layer by layer).
    let fusion: Fusion?
    var times = LayerTimes()

    /// - Parameter bands: the fused blocks' band plans, and how many threads may split one of them.
    init(plan: Plan, split: Int, group: Int, bands: (plans: [BandPlan?], threads: Int)?) {
        self.group = group
        fusion = bands.map { b in Fusion(plans: b.plans, buffers: (0..<b.threads).map { _ in BandBuffers(b.plans) }) }
        let size = max(plan.largestEarly(split: split), group * plan.largestLate(split: split))
        scratch = (0..<3).map { _ in FloatBuffer(count: size) }
        staging = FloatBuffer(count: group * plan.stagedCount(split: split))
    }
}
