/// Queries batched for a routed search: queries whose shortlists overlap share one group, so that a
/// class's rows, gathered once, serve every query of the group that routed to it in one SGEMM.
///
/// Queries are ordered by their best class (queries of one class tend to share their shortlists) and
/// taken greedily: a group closes at `maxQueries` queries or when the union of its shortlists would pass
/// `classFactor × C` classes. Batching unrelated queries only adds SGEMM work for rows they do not need;
/// batching related ones turns per-query scans into one matrix product.
struct QueryGroups {
    struct Group {
        /// Positions `first ..< first + count` in `order`.
        let first: Int
        let count: Int
        /// The union of the group's shortlists, ascending class ids.
        let classes: [Int32]
        /// For `classes[i]`, the group's queries (positions within the group) that routed to it:
        /// `wanters[wanterStart[i] ..< wanterStart[i + 1]]`.
        let wanterStart: [Int]
        let wanters: [Int32]
    }

    /// Query numbers in group order.
    let order: [Int]
    let groups: [Group]
    /// Every class some query routed to, ascending.
    let allClasses: [Int32]

    init(_ shortlist: Shortlist, classCount: Int, maxQueries: Int, classFactor: Int) {
        let q = shortlist.queryCount
        let best = (0..<q).map { shortlist.classes(of: $0).first ?? -1 }
        let order = (0..<q).sorted { best[$0] != best[$1] ? best[$0] < best[$1] : $0 < $1 }
        self.order = order
        let budget = max(1, classFactor) * shortlist.width
        var built: [Group] = []
        var inGroup = [Bool](repeating: false, count: classCount)
        var union: [Int32] = []
        var first = 0
        func close(_ end: Int) {
            guard end > first else { return }
            built.append(Self.group(first: first, end: end, union: union, order: order, shortlist: shortlist,
                                     classCount: classCount))
            for c in union { inGroup[Int(c)] = false }
            union.removeAll(keepingCapacity: true)
            first = end
        }
        for (position, query) in order.enumerated() {
            let classes = shortlist.classes(of: query)
            let added = classes.reduce(0) { $0 + (inGroup[Int($1)] ? 0 : 1) }
            if position > first, position - first >= maxQueries || union.count + added > budget { close(position) }
            for c in classes where !inGroup[Int(c)] {
                inGroup[Int(c)] = true
                union.append(c)
            }
        }
        close(order.count)
        groups = built
        var all = Set<Int32>()
        for group in built { all.formUnion(group.classes) }
        allClasses = all.sorted()
    }

    private static func group(first: Int, end: Int, union: [Int32], order: [Int], shortlist: Shortlist,
                              classCount: Int) -> Group {
        let classes = union.sorted()
        var slot = [Int32: Int](minimumCapacity: classes.count)
        for (i, c) in classes.enumerated() { slot[c] = i }
        var counts = [Int](repeating: 0, count: classes.count + 1)
        for position in first..<end {
            for c in shortlist.classes(of: order[position]) { counts[slot[c]! + 1] += 1 }
        }
        for i in classes.indices { counts[i + 1] += counts[i] }
        var fill = counts
        var wanters = [Int32](repeating: 0, count: counts[classes.count])
        for position in first..<end {
            for c in shortlist.classes(of: order[position]) {
                let i = slot[c]!
                wanters[fill[i]] = Int32(position - first)
                fill[i] += 1
            }
        }
        return Group(first: first, count: end - first, classes: classes, wanterStart: counts, wanters: wanters)
    }
}
