import Aggregate
import Foundation
import ShardedIndex

/// Self-training (`cbr index add --pseudo-label DIR`): unlabelled photos are classified against the index
/// and only the confident ones — best class score ≥ `minScore` and margin over the second ≥ `minMargin`,
/// on the rule's scale — are added to their predicted class by the ordinary `index add` (embedded again,
/// written crash-safe, ids already committed skipped). Their row ids start with `pseudo:`, the per-row mark
/// `index remove --pseudo` drops them by.
public enum PseudoLabels {
    public static let idPrefix = "pseudo:"

    public struct Options: Sendable {
        public var minScore: Float
        public var minMargin: Float
        /// The inputs are class folders of an evaluation set: measure the added labels against the folder names.
        public var truthFromFolders: Bool
        public var classify: Classifier.Options
        public var build: IndexBuilder.Options

        public init(minScore: Float, minMargin: Float = 0, truthFromFolders: Bool = false,
                    classify: Classifier.Options, build: IndexBuilder.Options) {
            self.minScore = minScore
            self.minMargin = minMargin
            self.truthFromFolders = truthFromFolders
            self.classify = classify
            self.build = build
        }
    }

    public struct Summary: Sendable {
        public var classified = 0
        public var accepted = 0
        /// Accepted labels that match the photo's folder (with `truthFromFolders`).
        public var correct: Int?
        public var build: IndexBuilder.Summary?

        public var report: String {
            var line = "pseudo-labelled \(accepted) of \(classified) photos"
            if let correct, accepted > 0 {
                line += String(format: "; precision against the folder names %.3f (%d of %d)",
                               Double(correct) / Double(accepted), correct, accepted)
            }
            return ([line] + (build.map { [$0.report] } ?? [])).joined(separator: "\n")
        }
    }

    public static func run(_ inputs: [String], index: URL, model: URL?, options: Options,
                           failure: (Dataset.Problem) throws -> Void) throws -> Summary {
        let unlabelled = Dataset.unlabelled(inputs)
        for problem in unlabelled.problems { try failure(problem) }
        var classify = options.classify
        classify.top = max(2, classify.top)
        let classifier = try Classifier(index: index, model: model, options: classify)
        var summary = Summary()
        var names: [String] = [], classOf: [String: Int32] = [:]
        var items: [Dataset.Item] = []
        let byPath = Dictionary(unlabelled.items.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        var correct = 0
        try classifier.classify(unlabelled.items.map(\.file), progress: false, result: { path, predictions in
            summary.classified += 1
            guard let best = predictions.first, best.score >= options.minScore,
                  best.score - (predictions.dropFirst().first?.score ?? 0) >= options.minMargin,
                  let item = byPath[path] else { return }
            if classOf[best.name] == nil {
                classOf[best.name] = Int32(names.count)
                names.append(best.name)
            }
            items.append(Dataset.Item(file: item.file, key: idPrefix + item.key, label: classOf[best.name]))
            if URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent == best.name { correct += 1 }
        }, failure: failure)
        summary.accepted = items.count
        if options.truthFromFolders { summary.correct = correct }
        if !items.isEmpty {
            var build = options.build
            build.mode = .add
            summary.build = try IndexBuilder.run(Dataset(classNames: names, items: items), index: index, model: model,
                                                 options: build, progress: false)
        }
        return summary
    }
}
