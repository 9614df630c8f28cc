import ShardedIndex
import Testing

/// Checks one query's results against the double-precision brute force: the same rows up to ties
/// (scores within `tolerance`), scores within `tolerance`, best first, padding after the valid rows.
func expectAgrees(_ results: SearchResults, _ reference: Reference, data: ClusteredData, k: Int,
                  mask: LabelMask = LabelMask(), tolerance: Double = 1e-5,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    let valid = { (r: Int) in !mask.isRemoved(data.labels[r]) }
    for query in 0..<results.queryCount {
        let expected = reference.topScores(query, k: k, valid: valid)
        let got = results.neighbors(of: query)
        #expect(got.count == k, sourceLocation: sourceLocation)
        var seen = Set<Int64>()
        for (i, n) in got.enumerated() {
            if i >= expected.count {
                #expect(n == .padding, "query \(query) position \(i) should be padding", sourceLocation: sourceLocation)
                continue
            }
            guard n.row >= 0, n.row < data.count else {
                Issue.record("query \(query) position \(i): row \(n.row) out of range", sourceLocation: sourceLocation)
                continue
            }
            let r = Int(n.row)
            let exact = reference.scores[query][r]
            #expect(seen.insert(n.row).inserted, "row \(r) twice", sourceLocation: sourceLocation)
            #expect(valid(r), "masked row \(r) returned", sourceLocation: sourceLocation)
            #expect(n.label == data.labels[r], sourceLocation: sourceLocation)
            #expect(abs(Double(n.score) - exact) <= tolerance,
                    "query \(query) row \(r): score \(n.score), exact \(exact)", sourceLocation: sourceLocation)
            #expect(abs(exact - expected[i]) <= tolerance,
                    "query \(query) position \(i): row \(r) scores \(exact), rank \(i) is \(expected[i])",
                    sourceLocation: sourceLocation)
            if i > 0 {
                let before = got[i - 1]
                #expect(before.score > n.score || (before.score == n.score && before.row < n.row),
                        "query \(query): not sorted at \(i)", sourceLocation: sourceLocation)
            }
        }
        // Every row clearly inside the top k (beyond ties with the k-th) must be there.
        if let kth = expected.last {
            let must = reference.scores[query].indices.filter { valid($0) && reference.scores[query][$0] > kth + tolerance }
            #expect(Set(must.map(Int64.init)).isSubset(of: seen), "query \(query) misses rows", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct SearchTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var n: Int, d: Int, q: Int, k: Int, blockRows: Int, type: ScalarType, threads: Int
        var tileRows = 512
        var queryChunk = 256
        var testDescription: String {
            let tuning = ExactSearch.Tuning()
            let tile = q >= tuning.largeBatch ? "large tile=\(tuning.largeTileRows)×\(tuning.largeQueryChunk)"
                                              : "tile=\(tileRows)×\(queryChunk)"
            return "N=\(n) d=\(d) Q=\(q) k=\(k) block=\(blockRows) \(tile) \(type) threads=\(threads)"
        }
    }

    static let cases: [Case] = {
        var all: [Case] = []
        for type in ScalarType.allCases {
            // Q = 1, 2: fused SIMD scan; larger Q: SGEMM items, several tiles and (chunk 16) query chunks each.
            for q in [1, 2, 3, 16, 70, 130] {
                all.append(Case(n: 3001, d: 64, q: q, k: 10, blockRows: 1024, type: type, threads: 2))
                all.append(Case(n: 997, d: 37, q: q, k: 100, blockRows: 13, type: type, threads: 2, tileRows: 24))
                all.append(Case(n: 1200, d: 40, q: q, k: 7, blockRows: 500, type: type, threads: 2,
                                tileRows: 64, queryChunk: 16))
            }
            all.append(Case(n: 2500, d: 1280, q: 1, k: 100, blockRows: 16384, type: type, threads: 2))
            all.append(Case(n: 2500, d: 1280, q: 16, k: 10, blockRows: 700, type: type, threads: 2))
            all.append(Case(n: 2500, d: 1280, q: 80, k: 100, blockRows: 1000, type: type, threads: 1))
            // A large batch: 2048-row tiles × 1024-query chunks, each cut short at the ends.
            all.append(Case(n: 4500, d: 48, q: 1100, k: 20, blockRows: 3000, type: type, threads: 2))
            all.append(Case(n: 1, d: 8, q: 5, k: 3, blockRows: 1, type: type, threads: 2))
            all.append(Case(n: 40, d: 24, q: 2, k: 1, blockRows: 7, type: type, threads: 3))
        }
        return all
    }()

    @Test(arguments: cases)
    func agreesWithBruteForce(_ c: Case) throws {
        let data = ClusteredData(count: c.n, dimension: c.d, clusters: 12, seed: UInt64(c.n * 31 + c.d), duplicates: c.n / 20)
        let queries = ClusteredData.queries(count: c.q, dimension: c.d, seed: UInt64(c.q + 99))
        var tuning = ExactSearch.Tuning()
        tuning.tileRows = c.tileRows
        tuning.queryChunk = c.queryChunk
        let results = try ExactSearch.search(
            queries: queries, in: try data.source(c.type),
            options: SearchOptions(k: c.k, blockRows: c.blockRows, threads: c.threads), tuning: tuning)
        #expect(results.queryCount == c.q && results.k == c.k)
        expectAgrees(results, Reference(data: data, type: c.type, queries: queries), data: data, k: c.k)
    }

    @Test(arguments: ScalarType.allCases, [1, 4, 100])
    func kLargerThanTheIndexPadsTheTail(_ type: ScalarType, q: Int) throws {
        let data = ClusteredData(count: 23, dimension: 48, clusters: 3, seed: 5)
        let queries = ClusteredData.queries(count: q, dimension: 48, seed: 6)
        let results = try ExactSearch.search(queries: queries, in: try data.source(type), options: SearchOptions(k: 40))
        expectAgrees(results, Reference(data: data, type: type, queries: queries), data: data, k: 40)
        for j in 0..<q {
            let got = results.neighbors(of: j)
            #expect(got.prefix(23).allSatisfy { !$0.isPadding })
            #expect(got.suffix(17).allSatisfy { $0 == .padding })
        }
    }

    @Test(arguments: ScalarType.allCases)
    func emptyIndexGivesOnlyPadding(_ type: ScalarType) throws {
        let empty = try InMemoryRows(rows: [], labels: [], dimension: 16, as: type)
        let results = try ExactSearch.search(queries: ClusteredData.queries(count: 3, dimension: 16, seed: 1),
                                             in: empty, options: SearchOptions(k: 5))
        #expect(results.queryCount == 3)
        #expect(results.rows == [Int64](repeating: -1, count: 15))
        #expect(results.scores.allSatisfy { $0 == -.infinity })
    }

    @Test(arguments: ScalarType.allCases, [1, 2, 9, 90])
    func removedClassesNeverAppear(_ type: ScalarType, q: Int) throws {
        let data = ClusteredData(count: 1500, dimension: 96, clusters: 8, seed: 11)
        let queries = ClusteredData.queries(count: q, dimension: 96, seed: 12)
        // Remove the classes nearest to the first query, so the mask changes the answer.
        let unmasked = try ExactSearch.search(queries: queries, in: try data.source(type), options: SearchOptions(k: 20))
        let removed = Set(unmasked.neighbors(of: 0).prefix(5).map(\.label))
        let mask = LabelMask(removedLabels: removed)
        let results = try ExactSearch.search(queries: queries, in: try data.source(type),
                                             options: SearchOptions(k: 20, blockRows: 300, mask: mask))
        #expect(!removed.isEmpty)
        #expect(results.labels.allSatisfy { !removed.contains($0) })
        expectAgrees(results, Reference(data: data, type: type, queries: queries), data: data, k: 20, mask: mask)
    }

    @Test func everyClassRemovedGivesOnlyPadding() throws {
        let data = ClusteredData(count: 200, dimension: 32, clusters: 4, seed: 2)
        let mask = LabelMask(removedLabels: Set(data.labels))
        let results = try ExactSearch.search(queries: ClusteredData.queries(count: 2, dimension: 32, seed: 3),
                                             in: try data.source(.float32), options: SearchOptions(k: 7, mask: mask))
        #expect(results.rows.allSatisfy { $0 == -1 })
    }

    @Test(arguments: [1, 16, 100])
    func queriesAreNormalizedWhenAsked(_ q: Int) throws {
        let data = ClusteredData(count: 800, dimension: 40, clusters: 6, seed: 21)
        let scaled = ClusteredData.queries(count: q, dimension: 40, seed: 22, scale: 3.5)
        let results = try ExactSearch.search(queries: scaled, in: try data.source(.float32),
                                             options: SearchOptions(k: 10, normalizeQueries: true))
        expectAgrees(results, Reference(data: data, type: .float32, queries: scaled, normalize: true), data: data, k: 10)
        #expect(results.scores.allSatisfy { $0 <= 1.0001 })
    }

    @Test func badInputsAreClearErrors() throws {
        let data = ClusteredData(count: 10, dimension: 8, clusters: 2, seed: 1)
        let source = try data.source(.float32)
        #expect(throws: SearchError.dimensionMismatch(values: 12, dimension: 8)) {
            try ExactSearch.search(queries: [Float](repeating: 0.1, count: 12), in: source, options: SearchOptions(k: 3))
        }
        #expect(throws: SearchError.badK(0)) {
            try ExactSearch.search(queries: [Float](repeating: 0.1, count: 8), in: source, options: SearchOptions(k: 0))
        }
        #expect(throws: InMemoryRowsError.shapeMismatch(values: 7, labels: 1, dimension: 8)) {
            try InMemoryRows(float32: [Float](repeating: 0, count: 7), labels: [0], dimension: 8)
        }
        #expect("\(SearchError.badK(0))".hasPrefix("search:"))
    }

    @Test(arguments: ScalarType.allCases)
    func inMemoryBlocksCoverEveryRowInOrder(_ type: ScalarType) throws {
        let data = ClusteredData(count: 103, dimension: 12, clusters: 3, seed: 8)
        let source = try data.source(type)
        var next = 0
        try source.forEachBlock(maxRows: 10) { block in
            #expect(block.firstRow == next && block.count == min(10, 103 - next) && block.dimension == 12)
            #expect(Array(block.labels) == Array(data.labels[next ..< next + block.count]))
            switch block.rows {
            case .float32(let v): #expect(Array(v) == Array(data.rows[next * 12 ..< (next + block.count) * 12]))
            case .float16(let v):
                #expect(zip(v, data.rows[next * 12 ..< (next + block.count) * 12]).allSatisfy { $0 == Float16($1) })
            }
            next += block.count
        }
        #expect(next == 103)
    }
}
