/// Many bounded min-heaps of size k in three flat buffers (scores, rows, labels), `count × k` each.
/// Each heap keeps the k best candidates seen; its root (index 0) is the worst of them, so a candidate
/// only needs comparing with `threshold(of:)`. Heaps start full of padding (score −∞, row −1), which any
/// real candidate beats, so insertion is always "replace the root and sift down" — no per-candidate
/// allocation, no branches on the fill level. Distinct heaps may be updated from different threads.
struct TopKHeaps: @unchecked Sendable {
    let k: Int
    let count: Int
    let scores: UnsafeMutablePointer<Float>
    let rows: UnsafeMutablePointer<Int64>
    let labels: UnsafeMutablePointer<Int32>

    init(count: Int, k: Int) {
        precondition(k > 0 && count >= 0)
        self.k = k
        self.count = count
        scores = .allocate(capacity: count * k)
        rows = .allocate(capacity: count * k)
        labels = .allocate(capacity: count * k)
        scores.initialize(repeating: -.infinity, count: count * k)
        rows.initialize(repeating: -1, count: count * k)
        labels.initialize(repeating: -1, count: count * k)
    }

    func deallocate() {
        scores.deallocate()
        rows.deallocate()
        labels.deallocate()
    }

    /// The score a candidate must beat (strictly) to enter heap `heap`.
    @inline(__always)
    func threshold(of heap: Int) -> Float { scores[heap * k] }

    /// Offers a candidate; it enters when it precedes the heap's worst entry.
    @inline(__always)
    func offer(_ heap: Int, score: Float, row: Int64, label: Int32) {
        let base = heap * k
        guard Neighbor.precedes(score, row, scores[base], rows[base]) else { return }
        siftDown(base: base, score: score, row: row, label: label)
    }

    /// Puts the candidate at the root and restores the heap order (worst entry at the root).
    private func siftDown(base: Int, score: Float, row: Int64, label: Int32) {
        var i = 0
        while true {
            var child = 2 * i + 1
            if child >= k { break }
            if child + 1 < k,
               Neighbor.precedes(scores[base + child], rows[base + child],
                                 scores[base + child + 1], rows[base + child + 1]) {
                child += 1 // the worse of the two children
            }
            // The candidate settles here once even the worse child precedes it.
            if Neighbor.precedes(scores[base + child], rows[base + child], score, row) { break }
            scores[base + i] = scores[base + child]
            rows[base + i] = rows[base + child]
            labels[base + i] = labels[base + child]
            i = child
        }
        scores[base + i] = score
        rows[base + i] = row
        labels[base + i] = label
    }

    /// Writes the union of heaps `heaps` (each a candidate set for the same query), best k first, into
    /// `results` at query `query`.
    func merge(_ heaps: [Int], into results: inout SearchResults, query: Int) {
        var entries: [(score: Float, row: Int64, label: Int32)] = []
        entries.reserveCapacity(heaps.count * k)
        for heap in heaps {
            for i in heap * k ..< (heap + 1) * k where rows[i] >= 0 {
                entries.append((scores[i], rows[i], labels[i]))
            }
        }
        entries.sort { Neighbor.precedes($0.score, $0.row, $1.score, $1.row) }
        for (j, e) in entries.prefix(k).enumerated() {
            results.scores[query * k + j] = e.score
            results.rows[query * k + j] = e.row
            results.labels[query * k + j] = e.label
        }
    }
}
