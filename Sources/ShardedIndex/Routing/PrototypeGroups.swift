/// A coarse level over the class prototypes, for indexes with many classes. Scoring every prototype is one
/// SGEMM of the queries against the `classes × d` prototype matrix: at 81,313 classes that is 5 % of an
/// exact scan and nearly all of a routed search's time. Grouped, the prototypes are clustered (spherical
/// k-means) into about √classes groups; a query scores the group centroids, then only the prototypes of its
/// best `probe` groups — a routed search one level up (`RoutedSearch` over the prototypes, labelled by group),
/// so the prototypes of a group are scored once against every query that probed it. A class (a router holds
/// one, and routes its groups with a plain one).
final class PrototypeGroups: Sendable {
    /// The routable classes' prototypes (class-id order), labelled by group; row `r` is class `classOfRow[r]`.
    let rows: InMemoryRows
    let classOfRow: [Int32]
    /// Routes a query to groups by centroid score.
    let router: ClassRouter

    var groupCount: Int { router.classCount }

    /// Clusters the routable classes' rows of `prototypes` (`routable.count × dimension`, normalized) into
    /// `groups` groups: centroids start at evenly spaced prototypes, `iterations` rounds of assignment (one
    /// SGEMM) and normalized means over a sample of up to 64 prototypes per group, then every prototype is
    /// assigned. A group that loses all its sample keeps its centroid. Deterministic.
    init(prototypes: [Float], dimension d: Int, routable: [Bool], groups requested: Int, iterations: Int = 8,
         threads: Int = ExactSearch.defaultThreads) throws {
        let members = routable.indices.filter { routable[$0] }
        guard requested >= 1, members.count >= 2 else { throw RoutingError.badGroups(requested, classes: members.count) }
        let groups = min(requested, members.count)
        var matrix = [Float](repeating: 0, count: members.count * d)
        for (r, c) in members.enumerated() {
            for i in 0..<d { matrix[r * d + i] = prototypes[c * d + i] }
        }
        let sampleCount = min(members.count, 64 * groups)
        let sample: [Float]
        if sampleCount == members.count {
            sample = matrix
        } else {
            var picked = [Float](repeating: 0, count: sampleCount * d)
            for s in 0..<sampleCount {
                let r = s * members.count / sampleCount
                for i in 0..<d { picked[s * d + i] = matrix[r * d + i] }
            }
            sample = picked
        }
        var centroids = [Float](repeating: 0, count: groups * d)
        for g in 0..<groups {
            let s = g * sampleCount / groups
            for i in 0..<d { centroids[g * d + i] = sample[s * d + i] }
        }
        let centroidLabels = (0..<Int32(groups)).map { $0 }
        func assign(_ vectors: [Float]) throws -> [Int32] {
            let centres = try InMemoryRows(float32: centroids, labels: centroidLabels, dimension: d)
            let found = try ExactSearch.search(queries: vectors, in: centres, options: SearchOptions(k: 1, threads: threads))
            return found.labels.map { max(0, $0) }
        }
        for _ in 0..<max(0, iterations) {
            let labels = try assign(sample)
            var sums = [Float](repeating: 0, count: groups * d), counts = [Int](repeating: 0, count: groups)
            sample.withUnsafeBufferPointer { x in
                sums.withUnsafeMutableBufferPointer { sums in
                    for s in 0..<sampleCount {
                        let g = Int(labels[s])
                        counts[g] += 1
                        for i in 0..<d { sums[g * d + i] += x[s * d + i] }
                    }
                }
            }
            _ = sums.withUnsafeMutableBufferPointer { RowMath.normalizeRows($0, rows: groups, dimension: d) }
            for g in 0..<groups where counts[g] > 0 {
                for i in 0..<d { centroids[g * d + i] = sums[g * d + i] }
            }
        }
        let labels = try assign(matrix)
        var sizes = [Int](repeating: 0, count: groups)
        for g in labels { sizes[Int(g)] += 1 }
        rows = try InMemoryRows(float32: matrix, labels: labels, dimension: d)
        classOfRow = members.map { Int32($0) }
        router = try ClassRouter(prototypes: centroids, dimension: d, routable: sizes.map { $0 > 0 })
    }

    /// Each query's best `width` classes among the prototypes of its best `probe` groups, as a shortlist
    /// table (−1 padding). `queries` must be normalized.
    func shortlist(_ queries: [Float], width: Int, probe: Int, threads: Int) throws -> Shortlist {
        let found = try RoutedSearch.search(queries: queries, in: rows, router: router, classes: probe,
                                            options: SearchOptions(k: width, threads: threads))
        let table = found.rows.map { $0 >= 0 && Int($0) < classOfRow.count ? classOfRow[Int($0)] : -1 }
        return Shortlist(classes: table, width: width)
    }
}
