import Dispatch

/// Seconds spent per layer type during `Network.forward` calls made with profiling on (summed over workers,
/// so with several workers this is thread time; use it as a split, not as a wall time).
public struct LayerTimes: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        case stem, expand, depthwise, project, head
        case poolClassifier = "pool+classifier"
    }

    public private(set) var seconds: [Kind: Double] = [:]

    public init() {}

    public var total: Double { seconds.values.reduce(0, +) }

    public subscript(kind: Kind) -> Double { seconds[kind] ?? 0 }

    mutating func add(_ kind: Kind, _ value: Double) { seconds[kind, default: 0] += value }

    public static func + (lhs: LayerTimes, rhs: LayerTimes) -> LayerTimes {
        var sum = lhs
        for (kind, value) in rhs.seconds { sum.add(kind, value) }
        return sum
    }
}

/// Times sections of a forward pass when enabled; costs one branch when not.
struct Stopwatch {
    let enabled: Bool
    private var start: UInt64 = 0

    init(enabled: Bool) { self.enabled = enabled }

    mutating func restart() { if enabled { start = DispatchTime.now().uptimeNanoseconds } }

    /// Adds the time since the last restart to `kind` and restarts.
    mutating func lap(_ kind: LayerTimes.Kind, into times: inout LayerTimes) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        times.add(kind, Double(now - start) / 1e9)
        start = now
    }
}
