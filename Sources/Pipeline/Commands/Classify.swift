import Aggregate
import Foundation
import Imaging
import ShardedIndex

extension Commands {
    /// `cbr classify`: the images found in `inputs`, classified against `index`; predictions as CSV or JSON
    /// Lines on standard output or in `out` (written whole under a temporary name, then renamed).
    /// On a cluster every rank runs it: rank 0 reports the inputs that are missing and writes the output,
    /// each rank reports the images it failed to decode.
    public static func classify(_ inputs: [String], index: URL, model: URL?, options: Classifier.Options,
                                format: PredictionWriter.Format, out: String?, console: Console,
                                cluster: any Cluster = SingleProcess(), head: String? = nil, softmax: Bool = false) throws {
        let dataset = Dataset.unlabelled(inputs)
        guard cluster.isRoot else {
            let classifier = try Classifier(index: index, model: model, options: options, cluster: cluster)
            if let head { try classifier.useHead(head, softmax: softmax) }
            try classifier.classify(dataset.items.map(\.file), result: { _, _ in }, failure: { try console.failure($0) })
            return
        }
        try report(dataset.problems, on: console)
        let classifier = try Classifier(index: index, model: model, options: options, cluster: cluster)
        if let head { try classifier.useHead(head, softmax: softmax) }
        if let route = classifier.routeDescription, cluster.isRoot { try console.note("routed search: \(route)") }
        func run(_ destination: TextOutput) throws {
            let writer = PredictionWriter(destination, format: format, explain: options.explain)
            try classifier.classify(dataset.items.map(\.file), answer: { try writer.write($0) }, failure: { problem in
                try writer.flush()
                try console.failure(problem)
            })
            try writer.flush()
        }
        if let out {
            try AtomicOutput.write(to: out) { try run($0.text()) }
        } else {
            try run(console.output)
        }
    }

    /// `cbr eval`: a labelled query set classified against `index` under each rule; the report (text or
    /// JSON) on standard output, queries that failed listed. On a cluster every rank runs it: each lists
    /// the queries it failed, rank 0 prints the report.
    public static func evaluate(_ dataset: Dataset, index: URL, model: URL?, rules: String,
                                k: Int, targetPrecision: Double?, json: Bool, batchSize: Int, threads: Int,
                                decode: DecodeMode = .exact, route: Route? = nil, filter: ClassFilter = ClassFilter(),
                                expansion: QueryExpansion? = nil, console: Console,
                                cluster: any Cluster = SingleProcess(), head: String? = nil) throws {
        let result = try Evaluator.run(dataset, index: index, model: model, rules: try aggregationRules(rules),
                                       k: k, targetPrecision: targetPrecision, batchSize: batchSize, threads: threads,
                                       decode: decode, route: route, filter: filter, expansion: expansion,
                                       cluster: cluster, head: head)
        try report(result.ownFailures, on: console)
        if cluster.isRoot { try console.print(json ? result.json : result.summary) }
    }
}

extension Commands {
    /// Rules named in a comma-separated list (`all` for every rule).
    public static func aggregationRules(_ list: String) throws -> [AggregationRule] {
        try list.split(separator: ",").flatMap { $0 == "all" ? AggregationRule.names : [String($0)] }.map { name in
            guard let rule = AggregationRule(name: name) else { throw CLIError.usage("unknown aggregation rule '\(name)'") }
            return rule
        }
    }
}
