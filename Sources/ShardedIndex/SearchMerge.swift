/// Results of searches over disjoint parts of one index (a distributed search's ranks), and their merge.
extension SearchResults {
    /// Results from flat `[queryCount × k]` arrays (e.g. received from another process), checked: every
    /// array has `queryCount × k` entries. Entries are taken as given; `merged` re-sorts them.
    public init(queryCount: Int, k: Int, scores: [Float], rows: [Int64], labels: [Int32]) throws {
        let (n, overflow) = queryCount.multipliedReportingOverflow(by: k)
        guard queryCount >= 0, k > 0, !overflow else { throw SearchResultsError.shape("\(queryCount) queries × k = \(k)") }
        guard scores.count == n, rows.count == n, labels.count == n else {
            throw SearchResultsError.shape("\(scores.count) scores, \(rows.count) rows and \(labels.count) labels "
                + "for \(queryCount) queries × k = \(k)")
        }
        self.init(checkedQueryCount: queryCount, k: k, scores: scores, rows: rows, labels: labels)
    }

    /// Per query, the best `k` of the union of `parts`' neighbours, in the search's order (score descending,
    /// then row ascending), padding last: for searches of the same queries over disjoint sets of rows, the
    /// result of searching all of them at once. Padding entries (row < 0) of the parts are dropped, so a
    /// short list's sentinels never displace a real neighbour. Every part must have the same query count
    /// and k; no parts gives no queries.
    public static func merged(_ parts: [SearchResults]) throws -> SearchResults {
        guard let first = parts.first else { return SearchResults(queryCount: 0, k: 1) }
        let q = first.queryCount, k = first.k
        if let odd = parts.first(where: { $0.queryCount != q || $0.k != k }) {
            throw SearchResultsError.shape("merging results of \(odd.queryCount) queries × k = \(odd.k) "
                + "with \(q) queries × k = \(k)")
        }
        var result = SearchResults(queryCount: q, k: k)
        var entries: [Neighbor] = []
        entries.reserveCapacity(parts.count * k)
        for query in 0..<q {
            entries.removeAll(keepingCapacity: true)
            let range = (query * k)..<((query + 1) * k)
            for part in parts {
                for i in range where part.rows[i] >= 0 {
                    entries.append(Neighbor(score: part.scores[i], row: part.rows[i], label: part.labels[i]))
                }
            }
            entries.sort { Neighbor.precedes($0.score, $0.row, $1.score, $1.row) }
            for (j, e) in entries.prefix(k).enumerated() {
                result.scores[query * k + j] = e.score
                result.rows[query * k + j] = e.row
                result.labels[query * k + j] = e.label
            }
        }
        return result
    }
}

/// Search results that do not fit together.
public enum SearchResultsError: Error, CustomStringConvertible, Equatable {
    case shape(String)

    public var description: String {
        switch self {
        case .shape(let detail): "search results: \(detail)"
        }
    }
}
