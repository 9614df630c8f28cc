import Foundation
import HDF5
import Pipeline
import ShardedIndex
import Testing
import TestSupport

/// `--route` on classify, eval and search, on an index of real photos (augmented views, 24 classes).
@Suite(.serialized) struct RoutedClassificationTests {
    private static let shared: Result<(root: URL, index: URL), any Error> = Result {
        let root = try AugmentedPhotos.make()
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "build", root.appendingPathComponent("train").path, "--index", index.path])
        guard run.status == 0 else { throw CLIError.usage("index build failed: \(run.stderr)") }
        return (root, index)
    }

    private func classify(_ extra: [String], index: URL? = nil) throws -> [[String]] {
        let (root, built) = try Self.shared.get()
        let run = try CLIRun.cbr(["classify", root.appendingPathComponent("query").path, "--index", (index ?? built).path] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
    }

    private func eval(_ extra: [String]) throws -> [String: Any] {
        let (root, index) = try Self.shared.get()
        let run = try CLIRun.cbr(["eval", root.appendingPathComponent("query").path, "--index", index.path, "--json"] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test func everyClassRoutedClassifiesExactlyAsTheExactSearch() throws {
        let classes = try AugmentedPhotos.classNames().count
        let exact = try classify(["--top", "3"])
        #expect(exact.count == classes * 2 * 3)
        #expect(try classify(["--top", "3", "--route", "\(classes)"]) == exact)
        #expect(try classify(["--top", "3", "--route", "100000"]) == exact)
    }

    /// With one class routed, the answer is the class of the nearest prototype, and it is the only one.
    @Test func oneRoutedClassIsTheNearestPrototypesClass() throws {
        let routed = try classify(["--top", "3", "--route", "1"])
        let prototype = try classify(["--top", "1", "--aggregate", "prototype"])
        #expect(routed.count == prototype.count)
        #expect(routed.map { $0[0] } == prototype.map { $0[0] })
        #expect(routed.map { $0[2] } == prototype.map { $0[2] })
        #expect(routed.allSatisfy { $0[1] == "1" })
    }

    @Test func evalReportsTheRouteAndAutoKeepsTheExactAccuracy() throws {
        let exact = try eval([])
        #expect(exact["route"] == nil)
        let auto = try eval(["--route", "auto"])
        let route = try #require(auto["route"] as? String)
        #expect(route.contains("auto: top-1 agreement"), "\(route)")
        let top1 = { (object: [String: Any]) in ((object["reports"] as? [[String: Any]])?.first?["top1"] as? Double) ?? -1 }
        #expect(top1(exact) >= 0.9)
        #expect(top1(auto) >= top1(exact) - 0.005, "auto \(top1(auto)) vs exact \(top1(exact)) (\(route))")
        let two = try eval(["--route", "2"])
        #expect((two["route"] as? String) == "2 classes per query")
        #expect(top1(two) >= 0.5)
    }

    @Test func searchWritesTheExactAnswerWithEveryClassRouted() throws {
        let (root, index) = try Self.shared.get()
        let queries = root.appendingPathComponent("queries.h5")
        let photos = root.appendingPathComponent("query").path
        let embed = try CLIRun.cbr(["embed", photos, "--out", queries.path])
        #expect(embed.status == 0, "\(embed.stderr)")
        func search(_ extra: [String], _ name: String) throws -> (rows: [Int], labels: [Int32], stderr: String) {
            let out = root.appendingPathComponent(name)
            let run = try CLIRun.cbr(["search", queries.path, "--index", index.path, "--k", "7", "--out", out.path] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            let file = try H5File.open(at: out)
            return (try file.dataset("indices").read(as: Int.self), try file.dataset("labels").read(as: Int32.self), run.stderr)
        }
        let exact = try search([], "exact.h5")
        let all = try search(["--route", "24"], "all.h5")
        #expect(all.rows == exact.rows && all.labels == exact.labels)
        let auto = try search(["--route", "auto"], "auto.h5")
        #expect(auto.stderr.contains("route auto: "), "\(auto.stderr)")
        // One class routed: a query's neighbours are its class's 3 views, then padding (row −1, label −1).
        let one = try search(["--route", "1", "--in-memory"], "one.h5")
        for j in 0..<(one.labels.count / 7) {
            let labels = one.labels[(j * 7)..<((j + 1) * 7)], rows = one.rows[(j * 7)..<((j + 1) * 7)]
            #expect(Set(labels.prefix(3)).count == 1 && labels.prefix(3).allSatisfy { $0 >= 0 })
            #expect(labels.dropFirst(3).allSatisfy { $0 == -1 } && rows.dropFirst(3).allSatisfy { $0 == -1 })
        }
    }

    @Test func aCompactionByClassKeepsTheRoutedAnswers() throws {
        let (root, index) = try Self.shared.get()
        let copy = root.appendingPathComponent("by-class")
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: index, to: copy)
        let compact = try CLIRun.cbr(["index", "compact", "--by-class", "--index", copy.path])
        #expect(compact.status == 0, "\(compact.stderr)")
        #expect(compact.stdout.contains("compacted by class"))
        #expect(try ShardedIndexReader(directory: copy).manifest.byClass != nil)
        let before = try classify(["--top", "2", "--route", "3"])
        let after = try classify(["--top", "2", "--route", "3"], index: copy)
        #expect(before.map { $0.prefix(3) } == after.map { $0.prefix(3) })
    }

    /// `C:P`: the prototypes grouped (√24 → 5 groups), each query scoring those of its P best groups. Probing
    /// every group is the plain router; one group keeps most answers on these well-separated classes.
    @Test func groupedRoutingProbesPrototypeGroups() throws {
        let plain = try classify(["--top", "2", "--route", "3"])
        #expect(try classify(["--top", "2", "--route", "3:5"]) == plain)
        #expect(try classify(["--top", "2", "--route", "3:50"]) == plain)
        // One group of about five classes each: an image's best class is found when its group is the best.
        let best = { (lines: [[String]]) in
            Dictionary(lines.filter { $0[1] == "1" }.map { ($0[0], $0[2]) }, uniquingKeysWith: { a, _ in a })
        }
        let one = best(try classify(["--top", "2", "--route", "3:1"])), reference = best(plain)
        #expect(one.count == reference.count)
        let same = reference.filter { one[$0.key] == $0.value }.count
        #expect(same >= reference.count * 3 / 4, "\(same) of \(reference.count)")
        let grouped = try eval(["--route", "2:2"])
        #expect((grouped["route"] as? String) == "2 classes per query from 2 of 5 prototype groups")
        let auto = try eval(["--route", "auto:3"])
        #expect((auto["route"] as? String)?.contains("from 3 of 5 prototype groups (auto: top-1 agreement") == true,
                "\(auto["route"] ?? "none")")
    }

    @Test(arguments: ["0", "-3", "many", "1.5", "3:0", "3:", ":2", "auto:x", "2:3:4"])
    func aBadRouteIsAUsageError(value: String) throws {
        let (root, index) = try Self.shared.get()
        let run = try CLIRun.cbr(["classify", root.appendingPathComponent("query").path, "--index", index.path,
                                  "--route", value])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--route"), "\(run.stderr)")
    }
}
