import Foundation
import HDF5
import Pipeline
import ShardedIndex
import Testing
import TestSupport

/// `--classes` / `--exclude-classes` on classify, eval and search, with the real Lite0 model on augmented
/// views of the real photos (3 indexed views per class, 2 held-out queries per class).
@Suite(.serialized) struct ClassFilterTests {
    static var shared: Result<(root: URL, index: URL), any Error> { AugmentedIndex.shared }

    /// The embeddings of the two held-out camera views (`cbr embed`).
    static let cameraQueries: Result<URL, any Error> = Result {
        let (root, _) = try shared.get()
        let queries = root.appendingPathComponent("camera-queries.h5")
        let run = try CLIRun.cbr(["embed", root.appendingPathComponent("query/camera").path, "--out", queries.path])
        guard run.status == 0 else { throw SetupError(description: "cbr embed: \(run.stderr)") }
        return queries
    }

    /// CSV rows (image, rank, class, score) of `cbr classify` over the held-out views.
    private func classify(_ extra: [String]) throws -> (status: Int32, rows: [[String]], stderr: String) {
        let (root, index) = try Self.shared.get()
        let run = try CLIRun.cbr(["classify", root.appendingPathComponent("query").path, "--index", index.path] + extra)
        let rows = run.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        return (run.status, rows, run.stderr)
    }

    /// The photo class a held-out view belongs to (`…/query/<class>/vN.jpg`).
    private func truth(_ image: String) -> String { URL(fileURLWithPath: image).deletingLastPathComponent().lastPathComponent }

    @Test func onlyTheNamedClassesAnswerAndEachQueryStillGetsKNeighbours() throws {
        // k = 5 and 3 rows per class: a post-filter of the 5 nearest rows of all classes would leave most
        // queries with no answer; the mask in the search gives every query 5 neighbours from the 6 allowed
        // rows, so both classes are ranked for every image.
        let run = try classify(["--classes", "coffee,astronaut", "--k", "5", "--top", "5"])
        #expect(run.status == 0, "\(run.stderr)")
        let byImage = Dictionary(grouping: run.rows, by: { $0[0] })
        #expect(byImage.count == (try AugmentedPhotos.classNames().count) * 2)
        for (image, rows) in byImage {
            #expect(Set(rows.map { $0[2] }) == ["coffee", "astronaut"], "\(image)")
            if ["coffee", "astronaut"].contains(truth(image)) {
                #expect(rows.first { $0[1] == "1" }?[2] == truth(image), "\(image)")
            }
        }
    }

    @Test func excludedClassesNeverAnswerAndTheOthersKeepTheirAnswers() throws {
        let plain = try classify(["--top", "1"])
        let excluded = try classify(["--top", "1", "--exclude-classes", "coffee"])
        #expect(plain.status == 0 && excluded.status == 0, "\(plain.stderr)\(excluded.stderr)")
        #expect(plain.rows.count == excluded.rows.count)
        #expect(plain.rows.contains { $0[2] == "coffee" })
        for (a, b) in zip(plain.rows, excluded.rows) {
            #expect(b[2] != "coffee")
            if a[2] != "coffee" { #expect(a == b) }
        }
    }

    @Test func aClassListFileFiltersEval() throws {
        let (root, index) = try Self.shared.get()
        let list = root.appendingPathComponent("classes.txt")
        try "coffee\n\nastronaut\n".write(to: list, atomically: true, encoding: .utf8)
        let run = try CLIRun.cbr(["eval", root.appendingPathComponent("query").path, "--index", index.path,
                                  "--classes", list.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let report = try #require((object?["reports"] as? [[String: Any]])?.first)
        let perClass = try #require(report["perClass"] as? [[String: Any]])
        for entry in perClass {
            let name = entry["name"] as? String ?? ""
            let predicted = entry["predicted"] as? Int ?? -1
            if ["coffee", "astronaut"].contains(name) {
                #expect((entry["truePositives"] as? Int) == 2, "\(name)")
            } else {
                #expect(predicted == 0, "\(name)")
            }
        }
    }

    @Test func searchMasksTheOtherClassesRowsInsideTheSearch() throws {
        let (root, index) = try Self.shared.get()
        let queries = try Self.cameraQueries.get()
        let out = root.appendingPathComponent("filtered.h5")
        let run = try CLIRun.cbr(["search", queries.path, "--index", index.path, "--k", "7", "--out", out.path,
                                  "--classes", "coffee,astronaut"])
        #expect(run.status == 0, "\(run.stderr)")
        let file = try H5File.open(at: out)
        let labels = try file.dataset("labels").read(as: Int32.self)
        let manifest = try Manifest.load(from: index)
        let allowed = Set(["coffee", "astronaut"].compactMap { manifest.classID(named: $0) })
        #expect(allowed.count == 2 && labels.count == 2 * 7)
        for q in 0..<2 {
            let row = labels[(q * 7)..<((q + 1) * 7)]
            // The 6 rows of the two classes, then padding: the camera views' own rows never appear.
            #expect(row.prefix(6).allSatisfy { allowed.contains($0) })
            #expect(row.last == -1)
        }
    }

    @Test(arguments: ["classify", "eval", "search"])
    func anUnknownClassIsAUsageErrorNamingIt(command: String) throws {
        let (root, index) = try Self.shared.get()
        let input = command == "search" ? try Self.cameraQueries.get().path
                                        : root.appendingPathComponent("query").path
        var arguments = [command, input, "--index", index.path, "--classes", "coffee,no such class"]
        if command == "search" { arguments += ["--out", root.appendingPathComponent("never.h5").path] }
        let run = try CLIRun.cbr(arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains("unknown class 'no such class'"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        let excluded = try CLIRun.cbr([command, input, "--index", index.path, "--exclude-classes", "nope"]
            + (command == "search" ? ["--out", root.appendingPathComponent("never.h5").path] : []))
        #expect(excluded.status == 2 && excluded.stderr.contains("unknown class 'nope'"), "\(excluded.stderr)")
    }
}
