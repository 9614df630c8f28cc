import HDF5

/// How a routed search shortlists: a number of classes per query, or `auto` (`RouteCalibration`), and
/// optionally `probe`, the prototype groups each query visits (`ClassRouter.grouped`: for many classes,
/// scoring every prototype dominates the search). Written `C`, `auto`, `C:P` or `auto:P`.
public struct Route: Sendable, Equatable, CustomStringConvertible {
    public enum Count: Sendable, Equatable {
        case classes(Int)
        case auto
    }

    public var count: Count
    /// Prototype groups visited per query (nil: every prototype scored).
    public var probe: Int?

    public init(_ count: Count, probe: Int? = nil) {
        self.count = count
        self.probe = probe
    }

    public static func classes(_ c: Int) -> Route { Route(.classes(c)) }
    public static let auto = Route(.auto)

    /// `auto` or a count of at least 1, optionally followed by `:P` with P ≥ 1.
    public init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        if parts.count == 2 {
            guard let p = Int(parts[1]), p >= 1 else { return nil }
            probe = p
        }
        if parts[0] == "auto" {
            count = .auto
        } else if let c = Int(parts[0]), c >= 1 {
            count = .classes(c)
        } else {
            return nil
        }
    }

    public var description: String {
        let base = switch count {
        case .classes(let c): "\(c)"
        case .auto: "auto"
        }
        return probe.map { "\(base):\($0)" } ?? base
    }
}

/// Picks the number of routed classes for a target agreement with exact search, measured on the index's
/// own rows used as queries (leave one out: a row's own entry is not its neighbour). Agreement is that of
/// the best neighbour's class (the `max` rule's answer). Candidates are 1, 2, 4, … and every class; the
/// smallest power of two that reaches the target is found by bisection (agreement grows with C), and the
/// pick is the next candidate after it: real queries are harder than the index's own rows (on Debian's
/// wallpaper photos, 2 classes agreed on 99.5 % of the rows but on 94 % of the hard query views).
public enum RouteCalibration {
    public static let defaultTarget = 0.99
    public static let defaultSample = 512

    public struct Outcome: Sendable, Equatable {
        public let classes: Int
        /// Agreement measured at `classes` (1 when every class is routed: the search is then exact).
        public let agreement: Double
        /// Index rows used as queries.
        public let sampled: Int
    }

    public static func pick(in source: some RowBlockSource, router: ClassRouter, mask: LabelMask = LabelMask(),
                            target: Double = defaultTarget, sample: Int = defaultSample,
                            threads: Int = ExactSearch.defaultThreads,
                            blockRows: Int = ExactSearch.defaultBlockRows) throws -> Outcome {
        let all = max(1, router.classCount)
        let (queries, own) = try sampleRows(source, mask: mask, count: max(1, sample), blockRows: blockRows)
        guard !own.isEmpty else { return Outcome(classes: all, agreement: 1, sampled: 0) }
        let options = SearchOptions(k: 2, blockRows: blockRows, threads: threads, mask: mask)
        let expected = bestOther(try ExactSearch.search(queries: queries, in: source, options: options), own)
        func agreement(_ c: Int) throws -> Double {
            let got = bestOther(try RoutedSearch.search(queries: queries, in: source, router: router, classes: c,
                                                         options: options), own)
            return Double(zip(got, expected).filter { $0 == $1 }.count) / Double(own.count)
        }
        var candidates: [Int] = []
        var c = 1
        while c < all { candidates.append(c); c *= 2 }
        candidates.append(all)
        var lo = 0, hi = candidates.count - 1, best = (classes: all, agreement: 1.0)
        while lo < hi {
            let mid = (lo + hi) / 2
            let measured = try agreement(candidates[mid])
            if measured >= target { hi = mid; best = (candidates[mid], measured) } else { lo = mid + 1 }
        }
        if candidates[lo] != best.classes { best = (candidates[lo], 1.0) }  // only `all` is left: exact
        if lo + 1 < candidates.count {  // the margin: one doubling (or every class), measured again
            let margin = candidates[lo + 1]
            best = (margin, margin == all ? 1.0 : try agreement(margin))
        }
        return Outcome(classes: best.classes, agreement: best.agreement, sampled: own.count)
    }

    /// Every `rowCount / count`-th live row (at most `count`), as float32 queries, with its row number.
    private static func sampleRows(_ source: some RowBlockSource, mask: LabelMask, count: Int,
                                   blockRows: Int) throws -> ([Float], [Int64]) {
        let d = source.dimension, step = max(1, source.rowCount / count)
        var queries: [Float] = [], rows: [Int64] = []
        var row = [Float](repeating: 0, count: d)
        try source.forEachBlock(maxRows: max(1, blockRows)) { block in
            for r in 0..<block.count where (block.firstRow + r) % step == 0 && rows.count < count
                && !mask.isRemoved(block.labels[r]) {
                switch block.rows {
                case .float32(let values): queries += values[(r * d)..<((r + 1) * d)]
                case .float16(let values):
                    row.withUnsafeMutableBufferPointer {
                        HalfPrecision.widen(UnsafeBufferPointer(rebasing: values[(r * d)..<((r + 1) * d)]), into: $0)
                    }
                    queries += row
                }
                rows.append(Int64(block.firstRow + r))
            }
        }
        return (queries, rows)
    }

    /// Each query's best neighbour's class other than its own row (−1 when there is none).
    private static func bestOther(_ results: SearchResults, _ own: [Int64]) -> [Int32] {
        own.indices.map { j in results.neighbors(of: j).first { $0.row != own[j] && !$0.isPadding }?.label ?? -1 }
    }
}
