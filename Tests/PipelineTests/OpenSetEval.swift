import Foundation
import TestSupport

/// The open-set evaluation set `scripts/openset-eval` builds from real photos (docs/accuracy.md): gallery
/// views of the indexed classes, hard query views of every class, distractor classes with queries only.
enum OpenSetEval {
    static var script: URL { TestData.packageRoot.appendingPathComponent("scripts/openset-eval") }

    /// The small configuration `make test` uses: scikit-image's photos (near-duplicate pairs left out).
    static func makeSmall(seed: Int, gallery: Int = 2, queries: Int = 3) throws -> (root: URL, info: [String: Any]) {
        let root = try TestData.temporaryDirectory("openset")
        let out = root.appendingPathComponent("set")
        let run = try ChildProcess.run(TestData.python, [script.path, "--out", out.path, "--seed", "\(seed)",
                                                         "--photos", TestData.photos.path,
                                                         "--exclude", "chessboard_GRAY|motorcycle_right",
                                                         "--gallery", "\(gallery)", "--queries", "\(queries)"])
        guard run.status == 0 else { throw StepFailure(what: "openset-eval: \(run.stderr)") }
        let info = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("set.json"))) as? [String: Any]
        return (out, info ?? [:])
    }

    /// `cbr eval --json`'s reports, by rule name.
    static func reports(_ stdout: String) throws -> [String: [String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        let reports = object?["reports"] as? [[String: Any]] ?? []
        return Dictionary(reports.map { ($0["rule"] as? String ?? "?", $0) }, uniquingKeysWith: { a, _ in a })
    }
}

/// A set-up step of a test (a script, a build) that failed, with its standard error.
struct StepFailure: Error, CustomStringConvertible {
    let what: String
    var description: String { what }
}
