/// The work of one source block in a routed search: the block's rows of routed classes, bucketed by
/// class (counting sort, block-local row numbers), cut into items of at most `tileRows` rows of one class.
struct BlockRouting {
    /// Rows `rows[start ..< end]` of class `label`; `contiguous` when they are consecutive block rows
    /// (always, in an index compacted by class), so they can be used in place.
    struct Item {
        let label: Int32
        let start: Int
        let end: Int
        let contiguous: Bool
    }

    private(set) var rows: [Int32] = []
    private(set) var items: [Item] = []
    /// Per-class scratch reused across blocks (only routed classes are touched, then reset).
    private var counts: [Int32]
    private var ends: [Int32]
    /// The routed classes present in the block, ascending.
    private var present: [Int32] = []

    init(classCount: Int) {
        counts = [Int32](repeating: 0, count: classCount)
        ends = [Int32](repeating: 0, count: classCount)
    }

    /// Buckets `labels` (one block) by routed class and cuts the items. Rows of classes no query routed
    /// to, and labels outside `0 ..< classCount` (never routed), are skipped.
    mutating func prepare(labels: UnsafeBufferPointer<Int32>, routing: QueryRouting, tileRows: Int) {
        items.removeAll(keepingCapacity: true)
        let classCount = counts.count
        var total: Int32 = 0
        present.removeAll(keepingCapacity: true)
        for label in labels where label >= 0 && Int(label) < classCount && routing.isRouted[Int(label)] {
            if counts[Int(label)] == 0 { present.append(label) }
            counts[Int(label)] += 1
            total += 1
        }
        // Work per block follows the classes in it, not every routed class (a search by class reads
        // thousands of small blocks). Rows of a class are usually consecutive, so this is nearly sorted.
        present.sort()
        // `ends` first holds each class's start, advanced past its rows while placing them.
        var running: Int32 = 0
        for c in present {
            ends[Int(c)] = running
            running += counts[Int(c)]
        }
        if rows.count < Int(total) { rows = [Int32](repeating: 0, count: Int(total)) }
        for (i, label) in labels.enumerated() where label >= 0 && Int(label) < classCount && routing.isRouted[Int(label)] {
            rows[Int(ends[Int(label)])] = Int32(i)
            ends[Int(label)] += 1
        }
        for c in present {
            let end = Int(ends[Int(c)]), first = end - Int(counts[Int(c)])
            var start = first
            while start < end {
                let stop = min(end, start + tileRows)
                items.append(Item(label: c, start: start, end: stop,
                                  contiguous: Int(rows[stop - 1]) - Int(rows[start]) == stop - 1 - start))
                start = stop
            }
            counts[Int(c)] = 0
        }
    }
}
