/// The shortlists of a routed search turned around: for each class, the queries that routed to it
/// (ascending), so that a class's rows, once read, are scored against all of them in one product.
struct QueryRouting {
    /// Queries of class `c`: `queries[start[c] ..< start[c + 1]]`.
    let start: [Int]
    let queries: [Int32]
    /// Classes some query routed to, ascending.
    let routed: [Int32]
    /// `isRouted[c]`.
    let isRouted: [Bool]

    init(_ shortlist: Shortlist, classCount: Int) {
        var start = [Int](repeating: 0, count: classCount + 1)
        for j in 0..<shortlist.queryCount {
            for c in shortlist.classes(of: j) { start[Int(c) + 1] += 1 }
        }
        for c in 0..<classCount { start[c + 1] += start[c] }
        var fill = start
        var queries = [Int32](repeating: 0, count: start[classCount])
        for j in 0..<shortlist.queryCount {
            for c in shortlist.classes(of: j) {
                queries[fill[Int(c)]] = Int32(j)
                fill[Int(c)] += 1
            }
        }
        self.start = start
        self.queries = queries
        isRouted = (0..<classCount).map { start[$0 + 1] > start[$0] }
        routed = (0..<classCount).filter { start[$0 + 1] > start[$0] }.map { Int32($0) }
    }
}
