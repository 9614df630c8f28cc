import ArgumentParser
import Embedder

/// `--pool`, `--flip` and `--scales` of `index build`: how photos are embedded around the network, recorded
/// by the index so that every query is embedded the same way (docs/accuracy.md, "Descriptors").
public struct DescriptorArguments: ParsableArguments {
    public init() {}

    @Option(help: "Pooling of the last feature map: avg (the network's) or gem[:P] (generalized mean, P = 3 by default). Default: avg.")
    public var pool: String?

    @Flag(help: "Average each photo's embedding with its mirror image's (2× the work).")
    public var flip = false

    @Option(help: "Input sizes relative to the model's, averaged (e.g. 1,0.7071,1.4142; each 0.25…2, at most 8, work Σ scale² at most 16×). Default: 1.")
    public var scales: String?

    /// The descriptor asked for, or nil when no option was given (a new index: the standard descriptor;
    /// an existing one: the one it records).
    public func descriptor() throws -> Descriptor? {
        guard pool != nil || flip || scales != nil else { return nil }
        do {
            return try Descriptor(pooling: try pool.map(Descriptor.pooling(parsing:)) ?? .average, flip: flip,
                                  scales: try scales.map(Descriptor.scales(parsing:)) ?? [1])
        } catch {
            throw ValidationError("\(error)")
        }
    }

    public func validate() throws { _ = try descriptor() }
}
