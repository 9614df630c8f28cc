import ArgumentParser

/// `--head FILE` and `--softmax` of `classify`: classes scored by a trained head (docs/learning.md).
public struct HeadArguments: ParsableArguments {
    public init() {}

    @Option(help: "Score classes by this trained head (cbr head fit) instead of by retrieval.") public var head: String?
    @Flag(help: "With --head: report softmax probabilities (temperature calibrated at fit time) as scores.")
    public var softmax = false

    public func validate() throws {
        if softmax && head == nil { throw ValidationError("--softmax needs --head FILE") }
    }
}
