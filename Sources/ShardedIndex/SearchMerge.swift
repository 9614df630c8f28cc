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
        var cursors = [Int](repeating: 0, count: parts.count)
        var entries: [Neighbor] = []
        for query in 0..<q {
            let base = query * k
            // Each part's list is normally sorted with its padding last (a search's output): then a k-way
            // merge of the heads gives the best k in k × parts steps. A list out of order is sorted instead.
            guard parts.allSatisfy({ $0.isSorted(query: query) }) else {
                entries.removeAll(keepingCapacity: true)
                for part in parts {
                    for i in base..<(base + k) where part.rows[i] >= 0 {
                        entries.append(Neighbor(score: part.scores[i], row: part.rows[i], label: part.labels[i]))
                    }
                }
                entries.sort { Neighbor.precedes($0.score, $0.row, $1.score, $1.row) }
                for (j, e) in entries.prefix(k).enumerated() {
                    result.scores[base + j] = e.score
                    result.rows[base + j] = e.row
                    result.labels[base + j] = e.label
                }
                continue
            }
            for p in cursors.indices { cursors[p] = 0 }
            for j in 0..<k {
                var best = -1
                for p in parts.indices where cursors[p] < k {
                    let i = base + cursors[p]
                    guard parts[p].rows[i] >= 0 else { continue }
                    if best < 0 {
                        best = p
                    } else {
                        let b = base + cursors[best]
                        if Neighbor.precedes(parts[p].scores[i], parts[p].rows[i], parts[best].scores[b], parts[best].rows[b]) {
                            best = p
                        }
                    }
                }
                guard best >= 0 else { break }  // every list exhausted: the rest stays padding
                let i = base + cursors[best]
                result.scores[base + j] = parts[best].scores[i]
                result.rows[base + j] = parts[best].rows[i]
                result.labels[base + j] = parts[best].labels[i]
                cursors[best] += 1
            }
        }
        return result
    }
}

extension SearchResults {
    /// Whether query `query`'s list is in the search's order with its padding (row < 0) only at the end.
    func isSorted(query: Int) -> Bool {
        let base = query * k
        var padding = false
        for i in base..<(base + k) {
            if rows[i] < 0 { padding = true; continue }
            if padding { return false }
            if i > base && !Neighbor.precedes(scores[i - 1], rows[i - 1], scores[i], rows[i]) { return false }
        }
        return true
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
