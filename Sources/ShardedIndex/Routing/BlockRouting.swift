/// The rows of one source block that a routed search needs, per query group: the block's rows of the
/// group's classes, class by class (`rows`, block-local row numbers), as segments, cut into tiles.
struct BlockRouting {
    /// One class's rows within a group's part of `rows`.
    struct Segment {
        let group: Int
        /// Index of the class in the group's `classes` (which gives its wanters).
        let slot: Int
        let label: Int32
        let start: Int
        let end: Int
    }

    /// A work item: `rows[start ..< end]`, all of group `group`; its segments start at `firstSegment`.
    struct Tile {
        let group: Int
        let start: Int
        let end: Int
        let firstSegment: Int
    }

    private(set) var rows: [Int32] = []
    private(set) var segments: [Segment] = []
    private(set) var tiles: [Tile] = []

    /// `routed[c]`: some query routed to class `c` (fixed for the search).
    private let routed: [Bool]
    /// Per-class scratch reused across blocks (only routed classes are ever touched, then reset).
    private var counts: [Int32]
    private var ends: [Int32]
    private var bucketed: [Int32] = []

    init(classCount: Int, groups: QueryGroups) {
        var routed = [Bool](repeating: false, count: classCount)
        for c in groups.allClasses { routed[Int(c)] = true }
        self.routed = routed
        counts = [Int32](repeating: 0, count: classCount)
        ends = [Int32](repeating: 0, count: classCount)
    }

    /// Fills the routing of `labels` (one block): rows of classes no query routed to are skipped, and so
    /// are labels outside `0 ..< classCount` (never routed).
    mutating func prepare(labels: UnsafeBufferPointer<Int32>, groups: QueryGroups, tileRows: Int) {
        rows.removeAll(keepingCapacity: true)
        segments.removeAll(keepingCapacity: true)
        tiles.removeAll(keepingCapacity: true)
        bucket(labels, routedClasses: groups.allClasses)
        for (g, group) in groups.groups.enumerated() {
            let groupStart = rows.count, firstSegment = segments.count
            for (slot, c) in group.classes.enumerated() {
                let hi = Int(ends[Int(c)]), lo = hi - Int(counts[Int(c)])
                guard hi > lo else { continue }
                segments.append(Segment(group: g, slot: slot, label: c, start: rows.count, end: rows.count + hi - lo))
                rows += bucketed[lo..<hi]
            }
            // Tiles of the group's rows; each records the first segment reaching into it.
            var segment = firstSegment
            var start = groupStart
            while start < rows.count {
                let end = min(rows.count, start + tileRows)
                while segments[segment].end <= start { segment += 1 }
                tiles.append(Tile(group: g, start: start, end: end, firstSegment: segment))
                start = end
            }
        }
        for c in groups.allClasses { counts[Int(c)] = 0 }
    }

    /// Counting sort of the block's rows of routed classes by class: afterwards the rows of class `c` are
    /// `bucketed[ends[c] − counts[c] ..< ends[c]]`, ascending.
    private mutating func bucket(_ labels: UnsafeBufferPointer<Int32>, routedClasses: [Int32]) {
        let classCount = routed.count
        var total: Int32 = 0
        for label in labels where label >= 0 && Int(label) < classCount && routed[Int(label)] {
            counts[Int(label)] += 1
            total += 1
        }
        // `ends` first holds each class's start, advanced past its rows while placing them.
        var running: Int32 = 0
        for c in routedClasses {
            ends[Int(c)] = running
            running += counts[Int(c)]
        }
        if bucketed.count < Int(total) { bucketed = [Int32](repeating: 0, count: Int(total)) }
        for (i, label) in labels.enumerated() where label >= 0 && Int(label) < classCount && routed[Int(label)] {
            bucketed[Int(ends[Int(label)])] = Int32(i)
            ends[Int(label)] += 1
        }
    }
}
