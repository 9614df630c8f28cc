/// A coarse level over the class prototypes, for indexes with many classes. Scoring every prototype is one
/// SGEMM of the queries against the `classes × d` prototype matrix: at 81,313 classes that is 5 % of an
/// exact scan and nearly all of a routed search's time. Grouped, the prototype vectors are clustered
/// (spherical k-means) into about √rows groups (`ClassRouter.defaultGroups`); a query scores the group
/// centroids, then only the vectors of its best `probe` groups — a routed search one level up
/// (`RoutedSearch` over the vectors, labelled by group), so the vectors of a group are scored once against
/// every query that probed it.
/// With sub-prototypes a class of several visual modes has a vector per mode, each clustered on its own:
/// the class sits in the group of every mode, where its mean alone would sit between them, near none.
/// A class (a router holds one, and routes its groups with a plain one).
final class PrototypeGroups: Sendable {
    /// The routable classes' vectors (means in class-id order, then sub-prototypes), labelled by group;
    /// row `r` belongs to class `classOfRow[r]`.
    let rows: InMemoryRows
    let classOfRow: [Int32]
    /// The group of each class id's first vector (its mean), −1 for classes not routed.
    let groupOfMean: [Int32]
    /// Vectors of one class at most (the router's): a shortlist keeps this many per class it wants.
    let vectorsPerClass: Int
    /// Routes a query to groups by centroid score.
    let router: ClassRouter

    var groupCount: Int { router.classCount }

    /// Clusters the vectors of `prototypes` (`classOfVector.count × dimension`, normalized; vector `v` of
    /// class `classOfVector[v]`) whose class is routable into `groups` groups: centroids start at evenly
    /// spaced vectors, `iterations` rounds of assignment (one SGEMM) and normalized means over a sample of up
    /// to 64 vectors per group, then every vector is assigned. A group that loses all its sample keeps its
    /// centroid. Deterministic. `vectorsPerClass`: the most vectors any class has.
    init(prototypes: [Float], classOfVector: [Int32], dimension d: Int, routable: [Bool], vectorsPerClass: Int,
         groups requested: Int, iterations: Int = 8, threads: Int = ExactSearch.defaultThreads) throws {
        let members = classOfVector.indices.filter { routable.indices.contains(Int(classOfVector[$0])) && routable[Int(classOfVector[$0])] }
        let classes = Set(members.map { classOfVector[$0] }).count
        guard requested >= 1, classes >= 2 else { throw RoutingError.badGroups(requested, classes: classes) }
        let groups = min(requested, members.count)
        var matrix = [Float](repeating: 0, count: members.count * d)
        for (r, v) in members.enumerated() {
            for i in 0..<d { matrix[r * d + i] = prototypes[v * d + i] }
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
        // Stored group by group (stable: class order within a group), so the routed search one level up
        // scores each group's vectors in place instead of gathering them.
        let order = labels.indices.sorted { (labels[$0], $0) < (labels[$1], $1) }
        var sorted = [Float](repeating: 0, count: matrix.count)
        for (to, from) in order.enumerated() {
            for i in 0..<d { sorted[to * d + i] = matrix[from * d + i] }
        }
        rows = try InMemoryRows(float32: sorted, labels: order.map { labels[$0] }, dimension: d)
        classOfRow = order.map { classOfVector[members[$0]] }
        var meanGroup = [Int32](repeating: -1, count: routable.count)
        for (r, v) in members.enumerated() where meanGroup[Int(classOfVector[v])] < 0 { meanGroup[Int(classOfVector[v])] = labels[r] }
        groupOfMean = meanGroup
        self.vectorsPerClass = max(1, vectorsPerClass)
        router = try ClassRouter(prototypes: centroids, dimension: d, routable: sizes.map { $0 > 0 })
    }

    /// Each query's best `width` classes (a class ranked by its best vector) among the vectors of its best
    /// `probe` groups, as a shortlist table (−1 padding). `queries` must be normalized.
    func shortlist(_ queries: [Float], width: Int, probe: Int, threads: Int) throws -> Shortlist {
        let found = try RoutedSearch.search(queries: queries, in: rows, router: router, classes: probe,
                                            options: SearchOptions(k: width * vectorsPerClass, threads: threads))
        var table = [Int32](repeating: -1, count: found.queryCount * width)
        // The query that last listed each class (a class's other vectors come after its best one).
        var listedBy = [Int](repeating: -1, count: groupOfMean.count)
        for j in 0..<found.queryCount {
            var filled = 0
            for row in found.rows[(j * found.k)..<((j + 1) * found.k)] where filled < width {
                guard row >= 0, Int(row) < classOfRow.count else { continue }
                let c = classOfRow[Int(row)]
                if listedBy[Int(c)] != j {
                    listedBy[Int(c)] = j
                    table[j * width + filled] = c
                    filled += 1
                }
            }
        }
        return Shortlist(classes: table, width: width)
    }
}
