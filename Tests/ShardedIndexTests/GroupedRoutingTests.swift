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
