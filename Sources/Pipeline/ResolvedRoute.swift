import Foundation
import ShardedIndex

/// A `--route` resolved against an open index, as `search`, `classify` and `eval` use it: the router over
/// the index's prototypes and the classes routed per query (`auto`: calibrated on the index's own rows).
public struct ResolvedRoute: Sendable {
    public let router: ClassRouter
    public let classes: Int
    /// What `auto` measured (nil for an explicit count).
    public let calibration: RouteCalibration.Outcome?

    /// `auto` runs on one rank only: its calibration samples the reader's own rows, and each rank of a
    /// cluster reads other shards, so each would pick its own count.
    init(_ route: Route, reader: ShardedIndexReader, mask: LabelMask, threads: Int,
         blockRows: Int = ExactSearch.defaultBlockRows, cluster: any Cluster) throws {
        // Grouped, a class is found through the group of each of its modes: the sub-prototypes `compact
        // --by-class` stored, when it did, gave more agreement at equal speed (docs/routing.md). The flat
        // router scores the means only: there, a larger C without them was faster at equal agreement.
        if let probe = route.probe {
            router = try ClassRouter(index: reader, subprototypes: true).grouped(probe: probe)
        } else {
            router = try ClassRouter(index: reader)
        }
        switch route.count {
        case .classes(let c):
            classes = c
            calibration = nil
        case .auto:
            guard cluster.size == 1 else { throw CLIError.usage("--route auto runs on one rank; give --route C") }
            let outcome = try RouteCalibration.pick(in: reader, router: router, mask: mask, threads: threads,
                                                    blockRows: blockRows)
            classes = outcome.classes
            calibration = outcome
        }
    }

    /// The top-k of `queries` among the rows of each query's routed classes in `reader`.
    func search(_ queries: [Float], in reader: ShardedIndexReader, options: SearchOptions) throws -> SearchResults {
        try RoutedSearch.search(queries: queries, in: reader, router: router, classes: classes, options: options)
    }

    /// `C classes per query`, and for `auto` what the calibration measured.
    public var description: String {
        let unit = classes == 1 ? "class" : "classes"
        let groups = router.groupCount > 0 ? " from \(router.probe) of \(router.groupCount) prototype groups" : ""
        guard let calibration else { return "\(classes) \(unit) per query\(groups)" }
        return "\(classes) \(unit) per query\(groups) (auto: top-1 agreement \(String(format: "%.3f", calibration.agreement)) "
            + "with exact search on \(calibration.sampled) index rows)"
    }
}
