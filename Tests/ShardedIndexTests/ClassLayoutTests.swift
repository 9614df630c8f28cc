import Foundation
import ShardedIndex
import Testing
import TestSupport

/// `compactByClass`: class-contiguous shards with a per-class range table, read by routed search.
@Suite struct ClassLayoutTests {
    /// Id → (label name, stored row) of every live row.
    static func contents(_ dir: URL) throws -> [String: (String, [Float])] {
        let reader = try ShardedIndexReader(directory: dir, mode: .inMemory)
        let got = try Collected(reader, maxRows: 1000)
        let d = reader.dimension
        var out: [String: (String, [Float])] = [:]
        for (r, id) in try reader.allIDs().enumerated() where !reader.removedMask[Int(got.labels[r])] {
            #expect(out[id] == nil, "id \(id) twice")
            out[id] = (reader.classes[Int(got.labels[r])].name, Array(got.rows[(r * d)..<((r + 1) * d)]))
        }
        return out
    }

    /// Global rows by class, as `forEachBlock(ofClasses:)` hands them over.
    static func located(_ reader: ShardedIndexReader, _ classes: [Int32]) throws -> [Int32: [Int]] {
        var rows: [Int32: [Int]] = [:]
        try reader.forEachBlock(ofClasses: classes, maxRows: 100) { block in
            for r in 0..<block.count { rows[block.labels[r], default: []].append(block.globalRow(r)) }
        }
        return rows
    }

    @Test(arguments: ScalarType.allCases)
    func compactionByClassKeepsEveryRowOnceInClassOrder(type: ScalarType) throws {
        let set = RoutingTests.shared
        let dir = try set.index(type, shardRows: 700)
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try IndexWriter.open(at: dir, shardSizeLimit: 800 * set.data.dimension * type.byteWidth)
        try writer.removeClass(named: "class-5")
        let before = try Self.contents(dir)
        try writer.compactByClass()
        let after = try Self.contents(dir)
        #expect(after.count == before.count)
        #expect(Set(after.keys) == Set(before.keys))
        for (id, entry) in before { #expect(after[id]?.0 == entry.0 && after[id]?.1 == entry.1, "row \(id) changed") }

        let reader = try ShardedIndexReader(directory: dir)
        let layout = try #require(reader.manifest.byClass)
        #expect(layout.shards == reader.manifest.shards.map(\.file))
        #expect(reader.manifest.shards.dropLast().allSatisfy { $0.rows == 800 })
        let labels = try Collected(reader, maxRows: 333).labels
        #expect(labels == labels.sorted(), "rows are not class-contiguous")
        #expect(!labels.contains(5))
        // Each class's ranges give exactly its rows.
        for c: Int32 in [0, 17, 59] {
            let rows = try Self.located(reader, [c])
            #expect(rows.keys.sorted() == [c])
            #expect(rows[c] == labels.indices.filter { labels[$0] == c })
        }
        // Several classes: each of their rows once; ranges close together are read as one, so rows of a
        // class between them may come too, each once.
        let some: [Int32] = [3, 4, 6, 30, 58]
        let found = try Self.located(reader, some)
        for c in some { #expect(found[c] == labels.indices.filter { labels[$0] == c }, "class \(c)") }
        let all = found.values.flatMap { $0 }
        #expect(Set(all).count == all.count)
        // The files on disk are the listed ones (old shards deleted).
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("shards").path)
        #expect(Set(files.map { "shards/" + $0 }) == Set(reader.manifest.shards.map(\.file)))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(layout.file).path))

        // Routed search reads only the routed classes' ranges and still equals exact with every class routed.
        for mode in ShardedIndexReader.Mode.allCases {
            let reader = try ShardedIndexReader(directory: dir, mode: mode)
            let router = try ClassRouter(index: reader)
            let options = SearchOptions(k: 10, blockRows: 300, mask: LabelMask(removed: reader.removedMask))
            let exact = try ExactSearch.search(queries: set.queries, in: reader, options: options)
            let routed = try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 100, options: options)
            expectIdentical(routed, exact, "\(type) \(mode)")
            var tuning = RoutedSearch.Tuning()
            tuning.exactWhenEveryClassRouted = false
            expectSameRows(try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 100,
                                                   options: options, tuning: tuning), exact, "kernel \(type) \(mode)")
            let few = try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 2, options: options)
            let shortlist = try router.shortlist(set.queries, classes: 2)
            for j in 0..<few.queryCount {
                #expect(Set(few.neighbors(of: j).map(\.label)).isSubset(of: shortlist.classes(of: j)))
            }
        }
    }

    @Test func rowsAddedAfterTheCompactionAreTheOverflow() throws {
        let set = RoutingTests.shared
        let d = set.data.dimension
        let dir = try set.index(.float32, shardRows: 1000)
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try IndexWriter.open(at: dir, shardSizeLimit: 1000 * d * 4)
        try writer.compactByClass()
        // New rows of existing classes and of a new one: the held-out queries themselves.
        let extra = 40
        let rows = Array(set.queries.prefix(extra * d))
        let names = (0..<extra).map { $0 % 4 == 0 ? "new-class" : "class-\($0 % set.classes)" }
        try rows.withUnsafeBufferPointer {
            try writer.append(rows: $0, classNames: names, ids: (0..<extra).map { "extra-\($0)" })
        }
        try writer.finish()
        let reader = try ShardedIndexReader(directory: dir)
        let layout = try #require(reader.manifest.byClass)
        #expect(reader.manifest.shards.count == layout.shards.count + 1)
        let labels = try Collected(reader, maxRows: 500).labels
        let newClass = try #require(reader.manifest.classID(named: "new-class"))
        for c in [Int32(1), newClass] {
            let rows = try Self.located(reader, [c])
            // The class's ranges plus the whole overflow shard.
            #expect(rows[c] == labels.indices.filter { labels[$0] == c })
            #expect(rows.values.reduce(0) { $0 + $1.count } == (rows[c]?.count ?? 0) + extra - (c == newClass ? 10 : 0)
                    - (c == 1 ? 1 : 0))
        }
        let router = try ClassRouter(index: reader)
        let options = SearchOptions(k: 12, blockRows: 256)
        let exact = try ExactSearch.search(queries: set.queries, in: reader, options: options)
        expectIdentical(try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 61, options: options),
                        exact, "with overflow")
        var tuning = RoutedSearch.Tuning()
        tuning.exactWhenEveryClassRouted = false
        expectSameRows(try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 61,
                                               options: options, tuning: tuning), exact, "kernel with overflow")
        // The new rows are found: a query whose own (added) row's class is routed finds that row first.
        let few = try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 3, options: options)
        let shortlist = try router.shortlist(set.queries, classes: 3)
        let firstIDs = try reader.ids(ofRows: (0..<extra).map { Int(few.rows[$0 * 12]) })
        let routedToOwn = (0..<extra).filter { j in
            shortlist.classes(of: j).contains(reader.manifest.classID(named: names[j]) ?? -1)
        }
        #expect(routedToOwn.count >= 5, "\(routedToOwn)")
        #expect(routedToOwn.contains { names[$0] == "new-class" })
        for j in routedToOwn { #expect(firstIDs[j] == "extra-\(j)") }
    }

    @Test func aPlainCompactionThatRewritesLaidOutShardsDropsTheLayout() throws {
        let set = RoutingTests.shared
        let dir = try set.index(.float16, shardRows: 1000)
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try IndexWriter.open(at: dir, shardSizeLimit: 1000 * set.data.dimension * 2)
        try writer.compactByClass()
        let layoutFile = try #require(writer.manifest.byClass?.file)
        try writer.removeClass(named: "class-59")  // in the last laid-out shard only
        #expect(writer.manifest.byClass != nil)
        try writer.compact()
        #expect(writer.manifest.byClass == nil)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(layoutFile).path))
        let reader = try ShardedIndexReader(directory: dir)
        let router = try ClassRouter(index: reader)
        let options = SearchOptions(k: 5)
        expectIdentical(try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 60, options: options),
                        try ExactSearch.search(queries: set.queries, in: reader, options: options), "after compact")
    }

    @Test func aDamagedRangeTableIsAOneLineError() throws {
        let set = RoutingTests.shared
        let dir = try set.index(.float32, shardRows: 1000)
        defer { try? FileManager.default.removeItem(at: dir) }
        try IndexWriter.open(at: dir).compactByClass()
        var manifest = try Manifest.load(from: dir)
        manifest.byClass?.checksum = "crc32:00000000"
        try manifest.save(to: dir)
        let reader = try ShardedIndexReader(directory: dir)
        let router = try ClassRouter(index: reader)
        do {
            _ = try RoutedSearch.search(queries: set.queries, in: reader, router: router, classes: 4, options: SearchOptions(k: 3))
            Issue.record("a damaged range table was used")
        } catch let error as IndexError {
            let text = "\(error)"
            #expect(text.contains("classes-") && text.contains("checksum") && !text.contains("\n"), "\(text)")
        }
        manifest.byClass?.file = "../classes-000001.h5"
        try manifest.save(to: dir)
        #expect(throws: IndexError.self) { try ShardedIndexReader(directory: dir) }
    }

    /// A class with two modes (rows near e0 and near e1) has its mean between them; a query near e0 is
    /// closer to the mean of a one-mode class near e0 + 0.6 e2. Routed on means alone (C = 1) it goes to the
    /// wrong class; with the sub-prototypes `compactByClass` stores, to the right one, as exact search does.
    @Test func subPrototypesRouteQueriesNearAFarModeOfTheirClass() throws {
        var data = AxisRows(dimension: 32, seed: 5)
        let (e0, e1, tilted) = (data.axis(0), data.axis(1), data.axis(0, 2, 0.6))
        data.add(40, of: "two-modes", near: [e0, e1])
        data.add(20, of: "one-mode", near: [tilted])
        let dir = try TestData.temporaryDirectory("routing-sub")
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try data.index(at: dir)
        #expect(writer.manifest.byClass?.subprototypesChecksum != nil)
        let queries = (0..<8).flatMap { _ in data.around(e0) }
        let reader = try ShardedIndexReader(directory: dir)
        let twoModes = try #require(reader.manifest.classID(named: "two-modes"))
        let options = SearchOptions(k: 1)
        let exact = try ExactSearch.search(queries: queries, in: reader, options: options)
        #expect(exact.labels.allSatisfy { $0 == twoModes })
        let means = try RoutedSearch.search(queries: queries, in: reader, router: ClassRouter(index: reader),
                                            classes: 1, options: options)
        #expect(means.labels.allSatisfy { $0 != twoModes })
        let sub = try RoutedSearch.search(queries: queries, in: reader, router: ClassRouter(index: reader, subprototypes: true),
                                          classes: 1, options: options)
        #expect(sub.labels == exact.labels && sub.rows == exact.rows)
        // Each class keeps at most four sub-prototypes; a damaged set is a one-line error.
        var manifest = try Manifest.load(from: dir)
        manifest.byClass?.subprototypesChecksum = "crc32:00000000"
        try manifest.save(to: dir)
        #expect(throws: IndexError.self) { try ClassRouter(index: ShardedIndexReader(directory: dir), subprototypes: true) }
    }
}
