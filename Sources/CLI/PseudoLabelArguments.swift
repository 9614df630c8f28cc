import Aggregate
import ArgumentParser
import Foundation
import Pipeline

/// `index add --pseudo-label DIR --min-score S [--min-margin M]`: self-training (docs/learning.md).
public struct PseudoLabelArguments: ParsableArguments {
    public init() {}

    @Option(help: "Unlabelled photos (a directory or file): add only the confidently classified ones to their predicted class, marked pseudo-labelled.")
    public var pseudoLabel: [String] = []
    @Option(help: "With --pseudo-label: the lowest best-class score accepted (on the rule's scale).") public var minScore: Float?
    @Option(help: "With --pseudo-label: the lowest margin between the two best classes accepted.") public var minMargin: Float = 0
    @Option(help: "With --pseudo-label: the aggregation rule (max, mean, sum, vote, power[:P], prototype).")
    public var aggregate: AggregationRule = .max
    @Flag(help: "With --pseudo-label: the photos sit in folders named by their true class; report the added labels' precision.")
    public var truthFromFolders = false

    public var isRequested: Bool { !pseudoLabel.isEmpty }

    public func validate() throws {
        guard isRequested else {
            if minScore != nil { throw ValidationError("--min-score needs --pseudo-label DIR") }
            return
        }
        guard let minScore else { throw ValidationError("--pseudo-label needs --min-score S") }
        do {
            try Limits.checkFinite(minScore, "--min-score")
            try Limits.checkFinite(minMargin, "--min-margin")
        } catch { throw ValidationError("\(error)") }
    }

    public func options(classify: Classifier.Options, build: IndexBuilder.Options) -> PseudoLabels.Options {
        var classify = classify
        classify.rule = aggregate
        return PseudoLabels.Options(minScore: minScore ?? 0, minMargin: minMargin, truthFromFolders: truthFromFolders,
                                    classify: classify, build: build)
    }
}
