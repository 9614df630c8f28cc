import Foundation

/// Scores class prototypes to pick, per query, the classes whose rows a routed search ranks: one SGEMM
/// of the queries against the `classes × d` prototype matrix (`ExactSearch` over it), top C classes kept.
/// Classes that are removed or hold no rows are never routed.
public struct ClassRouter: Sendable {
    public let dimension: Int
    /// Size of the class table the prototypes cover (class ids `0 ..< classCount`).
    public let classCount: Int
    /// One row per class (its mean), then its sub-prototypes, if any; labels are class ids.
    private let prototypes: InMemoryRows
    /// Vectors per class at most (1 without sub-prototypes): the shortlist search keeps this many per class.
    private let vectorsPerClass: Int
    /// Classes never routed (removed, or empty).
    let excluded: LabelMask
    /// The coarse level (`grouped(groups:probe:)`), or nil: every prototype scored.
    private var groups: PrototypeGroups?
    /// Groups each query visits when grouped.
    public private(set) var probe = 0
    /// Rows of the routable classes, when known (0: not): sets the default group count.
    private let routedRows: Int

    /// Prototype groups of the coarse level (0 when every prototype is scored).
    public var groupCount: Int { groups?.groupCount ?? 0 }

    /// The group of each class id's mean (−1: never routed, or no coarse level). With sub-prototypes a class
    /// is also in the groups of its other vectors.
    public var classGroups: [Int32] { groups?.groupOfMean ?? [Int32](repeating: -1, count: classCount) }

    /// `prototypes`: `routable.count × dimension` L2-normalized class prototypes, row `c` for class id `c`.
    public init(prototypes: [Float], dimension: Int, routable: [Bool]) throws {
        try self.init(prototypes: prototypes, dimension: dimension, routable: routable, sub: SubPrototypes())
    }

    /// `rowCounts`: rows per class, when known (they set the default group count).
    init(prototypes: [Float], dimension: Int, routable: [Bool], sub: SubPrototypes, rowCounts: [Int] = []) throws {
        guard dimension > 0, prototypes.count == routable.count * dimension else {
            throw RoutingError.prototypeShape(values: prototypes.count, classes: routable.count, dimension: dimension)
        }
        guard Int32(exactly: routable.count) != nil else { throw RoutingError.tooManyClasses(routable.count) }
        self.dimension = dimension
        classCount = routable.count
        self.prototypes = try InMemoryRows(float32: prototypes + sub.vectors,
                                           labels: (0..<Int32(routable.count)).map { $0 } + sub.labels, dimension: dimension)
        var perClass = [Int](repeating: 1, count: routable.count)
        for label in sub.labels where Int(label) < perClass.count { perClass[Int(label)] += 1 }
        vectorsPerClass = perClass.max() ?? 1
        excluded = LabelMask(removed: routable.map { !$0 })
        routedRows = zip(routable, rowCounts).reduce(0) { $0 + ($1.0 ? $1.1 : 0) }
    }

    /// The router of an index: its stored prototypes (the prototypes file plus shards it does not cover),
    /// and with `subprototypes` the sub-prototypes `compact --by-class` stored. Off by default: on
    /// `bench route`'s hard set they raise the agreement at a given C, but scoring every vector, a larger C
    /// without them reached the same agreement faster; grouped (`grouped(groups:probe:)`), where a query
    /// scores few vectors, they were worth it (docs/routing.md).
    public init(index reader: ShardedIndexReader, subprototypes: Bool = false) throws {
        let sums = try reader.prototypeSums()
        let routable = zip(reader.classes, sums.counts).map { !$0.removed && $1 > 0 }
        let sub = try subprototypes ? reader.manifest.byClass.map {
            try ClassRangeStore.readSubprototypes($0, reader.directory, reader.manifest)
        } ?? SubPrototypes() : SubPrototypes()
        try self.init(prototypes: sums.normalized(), dimension: reader.dimension, routable: routable, sub: sub,
                      rowCounts: sums.counts)
    }

    /// The router of in-memory rows: prototypes computed from the rows (class ids are their labels; a
    /// negative label is never routed, so such rows are never found).
    public init(rows: some RowBlockSource, removed: LabelMask = LabelMask()) throws {
        var sums = PrototypeSums(dimension: rows.dimension)
        try rows.forEachBlock(maxRows: ExactSearch.defaultBlockRows) { block in
            if let bad = block.labels.first(where: { $0 < 0 }) { throw RoutingError.negativeLabel(bad) }
            sums.add(block)
        }
        let routable = sums.counts.enumerated().map { $1 > 0 && !removed.isRemoved(Int32($0)) }
        try self.init(prototypes: sums.normalized(), dimension: rows.dimension, routable: routable, sub: SubPrototypes(),
                      rowCounts: sums.counts)
    }

    /// This router with a coarse level: its prototype vectors (class means, and sub-prototypes when it has
    /// them) clustered into `groups` groups (`defaultGroups`), each query scoring the group
    /// centroids, then the vectors of its best `probe` groups only (`PrototypeGroups`). A class outside those
    /// groups is not shortlisted, so the shortlist can differ from the plain router's; `probe` at or above the
    /// group count scores every vector as before. Clustering costs about ten SGEMMs of 64 vectors per group
    /// against the centroids; memory: a second copy of the vectors.
    public func grouped(groups requested: Int? = nil, probe: Int) throws -> ClassRouter {
        guard probe >= 1 else { throw RoutingError.badRoute(probe) }
        guard case .float32(let values) = prototypes.storage else { return self }
        let routable = (0..<classCount).map { !excluded.isRemoved(Int32($0)) }
        guard routable.count(where: { $0 }) >= 2 else { return self }
        let vectors = prototypes.labels.count { Int($0) < classCount && routable[Int($0)] }
        let count = requested ?? Self.defaultGroups(vectors: vectors, rows: routedRows)
        var copy = self
        copy.groups = try PrototypeGroups(prototypes: values, classOfVector: prototypes.labels, dimension: dimension,
                                          routable: routable, vectorsPerClass: vectorsPerClass, groups: count)
        copy.probe = probe
        return copy
    }

    /// About √rows groups, as IVF indexes take √N lists, while each group keeps 8 vectors or more on average;
    /// never fewer than √vectors (nor 2). At 1.58 M rows and 81 k classes (193 k vectors with sub-prototypes)
    /// that is 1,257 groups: at 16 groups probed they kept the flat router's agreement, where √vectors (439
    /// groups) lost 1 to 2 points even at 32 probed (docs/routing.md). Rows unknown: √vectors.
    static func defaultGroups(vectors: Int, rows: Int) -> Int {
        func root(_ n: Int) -> Int { Int(Double(max(0, n)).squareRoot().rounded()) }
        return max(2, root(vectors), min(root(rows), vectors / 8))
    }

    /// The same grouped router visiting `probe` groups per query (no new clustering).
    public func probing(_ probe: Int) throws -> ClassRouter {
        guard probe >= 1 else { throw RoutingError.badRoute(probe) }
        var copy = self
        copy.probe = probe
        return copy
    }

    /// Classes that are neither excluded here nor removed by `extraMask`, as a removed-class mask.
    func mask(adding extraMask: LabelMask) -> LabelMask {
        var mask = excluded.removed
        for (id, removed) in extraMask.removed.enumerated() where removed && id < mask.count { mask[id] = true }
        return LabelMask(removed: mask)
    }

    /// Each query's best `classes` routable classes by prototype score (best first), as a
    /// `[q × width]` table padded with −1 when fewer are routable. `queries` must be normalized already.
    public func shortlist(_ queries: [Float], classes: Int, threads: Int = ExactSearch.defaultThreads,
                          extraMask: LabelMask = LabelMask()) throws -> Shortlist {
        guard classes > 0 else { throw RoutingError.badRoute(classes) }
        let width = max(1, min(classes, classCount))
        // The coarse level, unless it would visit every group or the caller removes classes it does not know.
        if let groups, probe < groups.groupCount,
           !extraMask.removed.indices.contains(where: { extraMask.removed[$0] && $0 < classCount && !excluded.removed[$0] }) {
            return try groups.shortlist(queries, width: width, probe: probe, threads: threads)
        }
        // With sub-prototypes a class has several vectors: take enough to find `width` distinct classes.
        let k = min(prototypes.rowCount, width * vectorsPerClass)
        let found = try ExactSearch.search(queries: queries, in: prototypes,
                                           options: SearchOptions(k: max(1, k), threads: threads, mask: mask(adding: extraMask)))
        guard vectorsPerClass > 1 else { return Shortlist(classes: found.labels, width: width) }
        var table = [Int32](repeating: -1, count: found.queryCount * width)
        for j in 0..<found.queryCount {
            var seen = Set<Int32>(), filled = 0
            for label in found.labels[(j * found.k)..<((j + 1) * found.k)] where label >= 0 && filled < width {
                if seen.insert(label).inserted { table[j * width + filled] = label; filled += 1 }
            }
        }
        return Shortlist(classes: table, width: width)
    }
}

/// The classes routed for each query: `classes[j × width ..< (j + 1) × width]`, best first, −1 padding.
public struct Shortlist: Sendable, Equatable {
    public let classes: [Int32]
    public let width: Int

    public var queryCount: Int { width == 0 ? 0 : classes.count / width }

    /// The routed classes of query `j` (padding left out).
    public func classes(of j: Int) -> ArraySlice<Int32> {
        classes[(j * width)..<((j + 1) * width)].prefix { $0 >= 0 }
    }
}

/// Why a routed search could not run.
public enum RoutingError: Error, CustomStringConvertible, Equatable {
    case badRoute(Int)
    case prototypeShape(values: Int, classes: Int, dimension: Int)
    case tooManyClasses(Int)
    case negativeLabel(Int32)
    case badGroups(Int, classes: Int)

    public var description: String {
        switch self {
        case .badRoute(let c): "routed search: the number of routed classes must be at least 1, got \(c)"
        case .prototypeShape(let values, let classes, let d):
            "routed search: \(values) prototype values do not make \(classes) classes of dimension \(d)"
        case .tooManyClasses(let n): "routed search: \(n) classes are more than class ids can number"
        case .negativeLabel(let label): "routed search: rows labelled \(label) cannot be routed (labels must be class ids ≥ 0)"
        case .badGroups(let groups, let classes):
            "routed search: cannot cluster \(classes) routable classes into \(groups) prototype groups"
        }
    }
}
