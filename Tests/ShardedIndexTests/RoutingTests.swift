import Foundation
import ShardedIndex
import Testing
import TestSupport

/// Embedding-shaped rows in `classes` clusters. The queries are rows of the same clusters that are not
/// indexed (even queries) and midpoints of two of them from different classes (odd queries), which sit
/// between classes, where a short class list misses neighbours.
struct RoutingData {
    let data: ClusteredData
    let queries: [Float]
    let classes: Int

    init(rows: Int, queries: Int, classes: Int, dimension: Int, seed: UInt64) {
        let all = ClusteredData(count: rows + queries, dimension: dimension, clusters: classes, seed: seed)
        var data = all
        data.rows = Array(all.rows.prefix(rows * dimension))
        data.labels = Array(all.labels.prefix(rows))
        data.count = rows
        self.data = data
        let held = Array(all.rows.suffix(queries * dimension)), heldLabels = Array(all.labels.suffix(queries))
        var mixed: [Float] = []
        for j in 0..<queries {
            let a = held[(j * dimension)..<((j + 1) * dimension)]
            guard j % 2 == 1, let other = (1..<queries).lazy.map({ (j + $0) % queries })
                .first(where: { heldLabels[$0] != heldLabels[j] }) else { mixed += a; continue }
            mixed += unit(zip(a, held[(other * dimension)..<((other + 1) * dimension)]).map { $0 + $1 })
        }
        self.queries = mixed
        self.classes = classes
    }

    /// The rows as an index on disk (class `c` named `class-c`, shards of `shardRows` rows).
    func index(_ type: ScalarType, shardRows: Int) throws -> URL {
        let dir = try TestData.temporaryDirectory("routing")
        let writer = try IndexWriter.create(at: dir, dimension: data.dimension, dtype: type,
                                            shardSizeLimit: shardRows * data.dimension * type.byteWidth)
        for c in 0..<classes { _ = writer.classID(for: "class-\(c)") }
        try data.rows.withUnsafeBufferPointer {
            try writer.append(rows: $0, classIDs: data.labels, ids: (0..<data.count).map { "row-\($0)" })
        }
        try writer.finish()
        return dir
    }
}

func expectIdentical(_ a: SearchResults, _ b: SearchResults, _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.rows == b.rows, "\(what): rows differ", sourceLocation: sourceLocation)
    #expect(a.labels == b.labels, "\(what): labels differ", sourceLocation: sourceLocation)
    #expect(a.scores == b.scores, "\(what): scores differ", sourceLocation: sourceLocation)
}

/// The same neighbours; scores equal up to float rounding (a different SGEMM shape), so two rows whose
/// scores are that close may come in either order, or trade places at the k-th position.
func expectSameRows(_ a: SearchResults, _ b: SearchResults, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.queryCount == b.queryCount && a.k == b.k, "\(what): shapes differ", sourceLocation: sourceLocation)
    guard a.queryCount == b.queryCount, a.k == b.k else { return }
    let tolerance: Float = 2e-6
    var differences: [String] = []
    for j in 0..<a.queryCount {
        let slots = (j * a.k)..<((j + 1) * a.k), cut = b.scores[slots.upperBound - 1]
        for i in slots {
            if abs(a.scores[i] - b.scores[i]) > tolerance {
                differences.append("query \(j) #\(i - slots.lowerBound): score \(a.scores[i]) vs \(b.scores[i])")
            } else if a.rows[i] == b.rows[i] {
                if a.labels[i] != b.labels[i] { differences.append("query \(j) row \(a.rows[i]): labels differ") }
            } else if let p = b.rows[slots].firstIndex(of: a.rows[i]) {
                if abs(b.scores[p] - a.scores[i]) > tolerance || b.labels[p] != a.labels[i] {
                    differences.append("query \(j): row \(a.rows[i]) moved from a tie")
                }
            } else if abs(a.scores[i] - cut) > tolerance {
                differences.append("query \(j): row \(a.rows[i]) (score \(a.scores[i])) missing")
            }
        }
    }
    #expect(differences.isEmpty, "\(what): \(differences.prefix(5))", sourceLocation: sourceLocation)
}

@Suite struct RoutingTests {
    static let shared = RoutingData(rows: 3000, queries: 300, classes: 60, dimension: 96, seed: 16)

    @Test(arguments: [(1, 1), (2, 2), (7, 2), (300, 2), (300, 1)])
    func everyClassRoutedEqualsExactInMemory(queries q: Int, threads: Int) throws {
        let set = Self.shared
        let queries = Array(set.queries.prefix(q * set.data.dimension)).map { $0 * 3 }  // not unit length
        for type in ScalarType.allCases {
            let rows = try set.data.source(type)
            let router = try ClassRouter(rows: rows)
            for k in [1, 10, 100] {
                let options = SearchOptions(k: k, blockRows: 700, threads: threads, normalizeQueries: true)
                let exact = try ExactSearch.search(queries: queries, in: rows, options: options)
                let routed = try RoutedSearch.search(queries: queries, in: rows, router: router,
                                                     classes: set.classes, options: options)
                expectIdentical(routed, exact, "\(type) Q=\(q) k=\(k) threads=\(threads)")
                #expect(!routed.rows.contains(-1))
                // The routed kernel itself, every class routed: the same rows, scores up to SGEMM rounding.
                var tuning = RoutedSearch.Tuning()
                tuning.exactWhenEveryClassRouted = false
                tuning.tileRows = 40
                let kernel = try RoutedSearch.search(queries: queries, in: rows, router: router, classes: set.classes,
                                                     options: options, tuning: tuning)
                expectSameRows(kernel, exact, "kernel \(type) Q=\(q) k=\(k) threads=\(threads)")
            }
        }
    }

    @Test(arguments: ScalarType.allCases, ShardedIndexReader.Mode.allCases)
    func everyClassRoutedEqualsExactOnAnIndex(type: ScalarType, mode: ShardedIndexReader.Mode) throws {
        let set = Self.shared
        let dir = try set.index(type, shardRows: 1100)
        defer { try? FileManager.default.removeItem(at: dir) }
        let reader = try ShardedIndexReader(directory: dir, mode: mode)
        let router = try ClassRouter(index: reader)
        let options = SearchOptions(k: 20, blockRows: 512)
        let exact = try ExactSearch.search(queries: set.queries, in: reader, options: options)
        let routed = try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 1000,
                                             options: options)
        expectIdentical(routed, exact, "\(type) \(mode)")
        var tuning = RoutedSearch.Tuning()
        tuning.exactWhenEveryClassRouted = false
        expectSameRows(try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 60,
                                               options: options, tuning: tuning), exact, "kernel \(type) \(mode)")
    }

    /// With a short list, every answer is of one of the query's routed classes, and the answer is the
    /// exact search of the rows of those classes (every other class masked).
    @Test(arguments: [1, 3, 8])
    func fewClassesAnswerExactlyWithinTheShortlist(classes: Int) throws {
        let set = Self.shared
        let d = set.data.dimension
        let rows = try set.data.source(.float16)
        let router = try ClassRouter(rows: rows)
        let options = SearchOptions(k: 15, blockRows: 1000)
        let routed = try RoutedSearch.search(queries: set.queries, in: rows, router: router, classes: classes,
                                             options: options)
        let shortlist = try router.shortlist(set.queries, classes: classes)
        #expect(shortlist.width == classes)
        var outside = 0
        for j in 0..<routed.queryCount {
            let allowed = Set(shortlist.classes(of: j))
            #expect(allowed.count == classes)
            for n in routed.neighbors(of: j) where !allowed.contains(n.label) { outside += 1 }
        }
        #expect(outside == 0)
        // Spot checks against exact search with every class outside the shortlist masked (scores up to
        // the rounding of a single-query dot product against a batched SGEMM).
        for j in stride(from: 0, to: routed.queryCount, by: 37) {
            let allowed = Set(shortlist.classes(of: j))
            let mask = LabelMask(removed: (0..<set.classes).map { !allowed.contains(Int32($0)) })
            var one = options
            one.mask = mask
            let exact = try ExactSearch.search(queries: Array(set.queries[(j * d)..<((j + 1) * d)]), in: rows, options: one)
            #expect(exact.rows == Array(routed.rows[(j * 15)..<((j + 1) * 15)]), "query \(j)")
            for (a, b) in zip(exact.scores, routed.scores[(j * 15)..<((j + 1) * 15)]) { #expect(abs(a - b) <= 1e-5) }
        }
        // Routing makes a difference here: exact search finds rows outside some shortlists.
        let exact = try ExactSearch.search(queries: set.queries, in: rows, options: options)
        let missed = (0..<exact.queryCount).filter { j in
            !Set(exact.neighbors(of: j).map(\.label)).isSubset(of: shortlist.classes(of: j))
        }
        if classes == 1 { #expect(missed.count >= 10) }
    }

    @Test func removedClassesAreNeverRouted() throws {
        let set = Self.shared
        let dir = try set.index(.float32, shardRows: 900)
        defer { try? FileManager.default.removeItem(at: dir) }
        let removedNames = ["class-0", "class-7", "class-33"]
        do {
            let writer = try IndexWriter.open(at: dir)
            for name in removedNames { try writer.removeClass(named: name) }
        }
        for mode in ShardedIndexReader.Mode.allCases {
            let reader = try ShardedIndexReader(directory: dir, mode: mode)
            let removed = Set(removedNames.map { Int32($0.dropFirst("class-".count))! })
            let router = try ClassRouter(index: reader)
            let shortlist = try router.shortlist(set.queries, classes: 1000)
            #expect(shortlist.width == set.classes)
            for j in 0..<shortlist.queryCount {
                #expect(shortlist.classes(of: j).count == set.classes - removed.count)
                #expect(removed.isDisjoint(with: shortlist.classes(of: j)))
            }
            let options = SearchOptions(k: 30, mask: LabelMask(removed: reader.removedMask))
            let routed = try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 1000, options: options)
            #expect(removed.isDisjoint(with: routed.labels))
            expectIdentical(routed, try ExactSearch.search(queries: set.queries, in: reader, options: options), "\(mode)")
            let few = try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 2,
                                              options: SearchOptions(k: 30))
            #expect(removed.isDisjoint(with: few.labels))
        }
    }

    @Test func badRoutesAreRefused() throws {
        let set = Self.shared
        let rows = try set.data.source(.float32)
        let router = try ClassRouter(rows: rows)
        #expect(throws: RoutingError.badRoute(0)) {
            try RoutedSearch.search(queries: set.queries, in: rows, router: router, classes: 0, options: SearchOptions(k: 5))
        }
        #expect(throws: SearchError.dimensionMismatch(values: 5, dimension: 96)) {
            try RoutedSearch.search(queries: [1, 2, 3, 4, 5], in: rows, router: router, classes: 3, options: SearchOptions(k: 5))
        }
        #expect(throws: RoutingError.prototypeShape(values: 5, classes: 2, dimension: 3)) {
            try ClassRouter(prototypes: [1, 2, 3, 4, 5], dimension: 3, routable: [true, true])
        }
        let negative = try InMemoryRows(float32: [1, 0, 0, 1], labels: [0, -1], dimension: 2)
        #expect(throws: RoutingError.negativeLabel(-1)) { try ClassRouter(rows: negative) }
    }
}
