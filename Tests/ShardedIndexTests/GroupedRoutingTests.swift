import Foundation
import ShardedIndex
import Testing
import TestSupport

/// The grouped router (`ClassRouter.grouped`): the class prototypes clustered into groups, a query scoring
/// only the prototypes of its best groups. On `RoutingTests`' clustered rows (60 classes, 96 dimensions).
@Suite struct GroupedRoutingTests {
    static let set = RoutingTests.shared

    /// Each class's prototype (its rows' mean, normalized), computed here from the rows.
    static func prototypes(_ set: RoutingData) -> [[Float]] {
        let d = set.data.dimension
        var sums = [[Float]](repeating: [Float](repeating: 0, count: d), count: set.classes)
        for r in 0..<set.data.count {
            let c = Int(set.data.labels[r])
            for i in 0..<d { sums[c][i] += set.data.rows[r * d + i] }
        }
        return sums.map(unit)
    }

    static func dot(_ a: ArraySlice<Float>, _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test("every class in some group; a shortlist draws on at most `probe` groups and holds the best classes of them",
          arguments: [1, 2, 3])
    func shortlistIsTheBestOfItsGroups(probe: Int) throws {
        let set = Self.set, d = set.data.dimension
        let plain = try ClassRouter(rows: try set.data.source(.float32))
        let router = try plain.grouped(groups: 6, probe: probe)
        #expect(router.groupCount == 6 && router.probe == probe && plain.groupCount == 0)
        let groups = router.classGroups
        #expect(groups.count == set.classes && groups.allSatisfy { (0..<6).contains($0) })
        #expect(Set(groups).count > 1, "every class fell into one group")
        let width = 5, protos = Self.prototypes(set)
        let queries = RowMathTestSupport.normalized(set.queries, dimension: d)
        let shortlist = try router.shortlist(queries, classes: width)
        #expect(shortlist.width == width)
        var fewer = 0
        for j in 0..<shortlist.queryCount {
            let listed = Array(shortlist.classes(of: j)), q = queries[(j * d)..<((j + 1) * d)]
            #expect(Set(listed).count == listed.count, "query \(j): a class listed twice")
            let used = Set(listed.map { groups[Int($0)] })
            #expect(used.count <= probe, "query \(j): classes from \(used.count) groups with probe \(probe)")
            let scores = listed.map { Self.dot(q, protos[Int($0)]) }
            #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 >= $1 - 1e-5 }, "query \(j): not best first")
            // No class of a group it drew on scores above its last entry unless the list is full of better ones.
            let members = (0..<set.classes).filter { used.contains(groups[$0]) && !listed.contains(Int32($0)) }
            if let last = scores.last, listed.count == width {
                for c in members { #expect(Self.dot(q, protos[c]) <= last + 1e-5, "query \(j): class \(c) left out") }
            }
            if listed.count < width { fewer += 1 }
        }
        // A query lists fewer classes only when its probed groups hold fewer than `width`.
        if probe >= 3 { #expect(fewer == 0) }
    }

    @Test("probing every group gives the plain router's shortlist; probing fewer mostly keeps its best class")
    func probingEveryGroupIsPlain() throws {
        let set = Self.set, d = set.data.dimension
        let plain = try ClassRouter(rows: try set.data.source(.float32))
        let queries = RowMathTestSupport.normalized(set.queries, dimension: d)
        let reference = try plain.shortlist(queries, classes: 8)
        let grouped = try plain.grouped(groups: 8, probe: 8)
        #expect(try grouped.shortlist(queries, classes: 8) == reference)
        #expect(try grouped.probing(100).shortlist(queries, classes: 8) == reference)
        let half = try grouped.probing(4).shortlist(queries, classes: 8)
        let sameBest = (0..<reference.queryCount).filter { reference.classes(of: $0).first == half.classes(of: $0).first }
        #expect(sameBest.count >= reference.queryCount * 9 / 10, "\(sameBest.count) of \(reference.queryCount)")
        // Clustering is deterministic.
        #expect(try plain.grouped(groups: 8, probe: 2).classGroups == grouped.classGroups)
    }

    @Test("a routed search through a grouped router answers within its shortlist, exactly")
    func routedSearchWithGroups() throws {
        let set = Self.set
        let rows = try set.data.source(.float16)
        let router = try ClassRouter(rows: rows).grouped(groups: 7, probe: 2)
        let options = SearchOptions(k: 12, blockRows: 900, normalizeQueries: true)
        let routed = try RoutedSearch.search(queries: set.queries, in: rows, router: router, classes: 4, options: options)
        let shortlist = try router.shortlist(RowMathTestSupport.normalized(set.queries, dimension: set.data.dimension),
                                             classes: 4)
        for j in 0..<routed.queryCount {
            let allowed = Set(shortlist.classes(of: j))
            #expect(routed.neighbors(of: j).allSatisfy { $0.isPadding || allowed.contains($0.label) }, "query \(j)")
            #expect(!routed.neighbors(of: j).first!.isPadding)
        }
        // Every class routed: still exact search.
        let all = try RoutedSearch.search(queries: set.queries, in: rows, router: router, classes: set.classes, options: options)
        expectIdentical(all, try ExactSearch.search(queries: set.queries, in: rows, options: options), "every class")
    }

    @Test("removed classes are never grouped or routed; a caller's own mask falls back to the plain router")
    func removedClasses() throws {
        let set = Self.set
        let dir = try set.index(.float32, shardRows: 1000)
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let writer = try IndexWriter.open(at: dir)
            for name in ["class-3", "class-40"] { try writer.removeClass(named: name) }
        }
        let reader = try ShardedIndexReader(directory: dir, mode: .streaming)
        let router = try ClassRouter(index: reader).grouped(probe: 3)
        #expect(router.groupCount == 8)  // √58 rounded
        #expect(router.classGroups[3] == -1 && router.classGroups[40] == -1)
        let queries = RowMathTestSupport.normalized(set.queries, dimension: set.data.dimension)
        let shortlist = try router.shortlist(queries, classes: 10)
        #expect(!shortlist.classes.contains(3) && !shortlist.classes.contains(40))
        // Masking class 5 too: the grouped level does not know the mask, so the plain router answers.
        var mask = reader.removedMask
        mask[5] = true
        let masked = try router.shortlist(queries, classes: 10, extraMask: LabelMask(removed: mask))
        let plain = try ClassRouter(index: reader).shortlist(queries, classes: 10, extraMask: LabelMask(removed: mask))
        #expect(masked == plain && !masked.classes.contains(5))
    }

    /// A class with two far modes (rows near e0 and near e1) is grouped by its sub-prototypes: it sits in the
    /// group of each mode, so a query near either mode, probing one group, is routed to it, as exact search
    /// answers. Grouped on the means alone its mean lies between the modes, and a one-mode class nearby wins.
    @Test func subPrototypesPutAClassInTheGroupOfEachMode() throws {
        var data = AxisRows(dimension: 32, seed: 9)
        let axes = (0..<10).map { data.axis($0) }
        data.add(40, of: "two-modes", near: [axes[0], axes[1]])
        for (name, centre) in [("near-e0", data.axis(0, 2, 0.6)), ("near-e1", data.axis(1, 3, 0.6))]
            + (4..<10).map({ ("far-e\($0)", axes[$0]) }) {
            data.add(20, of: name, near: [centre])
        }
        let dir = try TestData.temporaryDirectory("routing-grouped-sub")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try data.index(at: dir)
        let reader = try ShardedIndexReader(directory: dir)
        let id = { (name: String) in try #require(reader.manifest.classID(named: name)) }
        let twoModes = try id("two-modes")
        let router = try ClassRouter(index: reader, subprototypes: true).grouped(groups: 4, probe: 1)
        let groups = router.classGroups
        #expect(router.groupCount == 4)
        #expect(groups[Int(try id("near-e0"))] != groups[Int(try id("near-e1"))], "both modes' regions in one group")
        let options = SearchOptions(k: 1)
        for mode in [0, 1] {
            let queries = (0..<8).flatMap { _ in data.around(axes[mode]) }
            let exact = try ExactSearch.search(queries: queries, in: reader, options: options)
            #expect(exact.labels.allSatisfy { $0 == twoModes })
            let sub = try RoutedSearch.search(queries: queries, in: reader, router: router, classes: 1, options: options)
            #expect(sub.labels == exact.labels && sub.rows == exact.rows, "mode e\(mode)")
            let shortlist = try router.shortlist(queries, classes: 3)
            for j in 0..<shortlist.queryCount {
                let listed = Array(shortlist.classes(of: j))
                #expect(Set(listed).count == listed.count && listed.first == twoModes, "mode e\(mode), query \(j): \(listed)")
            }
            let means = try RoutedSearch.search(queries: queries, in: reader,
                                                router: ClassRouter(index: reader).grouped(groups: 4, probe: 1),
                                                classes: 1, options: options)
            #expect(means.labels.contains { $0 != twoModes }, "mode e\(mode): the means alone found it")
        }
    }

    /// About √rows groups (an IVF's √N lists) while each keeps 8 class vectors on average, else √vectors.
    @Test func theDefaultGroupCountFollowsTheRows() throws {
        // 400 classes, 2,500 rows: √2500 = 50 groups of 8 classes, not √400 = 20.
        let many = ClusteredData(count: 2500, dimension: 16, clusters: 400, seed: 21)
        let routable = Set(many.labels).count
        let grouped = try ClassRouter(rows: try many.source(.float32)).grouped(probe: 2)
        #expect(grouped.groupCount == min(50, routable / 8) && routable >= 380)
        // 60 classes of 3,000 rows: √3000 = 55 groups would hold one class each; √60 = 8.
        #expect(try ClassRouter(rows: try Self.set.data.source(.float32)).grouped(probe: 2).groupCount == 8)
        // Prototypes alone, rows unknown: √vectors.
        let prototypes = (0..<50).flatMap { c in unit((0..<16).map { Float(($0 * 7 + c * 3) % 11) - 5 }) }
        let bare = try ClassRouter(prototypes: prototypes, dimension: 16, routable: Array(repeating: true, count: 50))
        #expect(try bare.grouped(probe: 1).groupCount == 7)
    }

    @Test func badGroupingIsRefused() throws {
        let rows = try Self.set.data.source(.float32)
        let router = try ClassRouter(rows: rows)
        #expect(throws: RoutingError.badRoute(0)) { try router.grouped(probe: 0) }
        #expect(throws: RoutingError.badGroups(0, classes: 60)) { try router.grouped(groups: 0, probe: 1) }
        #expect(throws: RoutingError.badRoute(0)) { try router.grouped(probe: 1).probing(0) }
        // One routable class: nothing to group.
        let one = try ClassRouter(prototypes: [1, 0, 0, 1], dimension: 2, routable: [true, false])
        #expect(try one.grouped(probe: 1).groupCount == 0)
        // More groups than classes: one per class at most.
        #expect(try router.grouped(groups: 500, probe: 1).groupCount == 60)
    }
}

/// Queries scaled to unit length, as `shortlist` expects.
enum RowMathTestSupport {
    static func normalized(_ queries: [Float], dimension d: Int) -> [Float] {
        stride(from: 0, to: queries.count, by: d).flatMap { unit(Array(queries[$0..<($0 + d)])) }
    }
}
