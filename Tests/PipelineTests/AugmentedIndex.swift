import Foundation
import TestSupport

/// `AugmentedPhotos` with an index of the training views built by `cbr index build`, made once and
/// shared (read only) by the suites that classify against it.
enum AugmentedIndex {
    static let shared: Result<(root: URL, index: URL), any Error> = Result {
        let root = try AugmentedPhotos.make()
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "build", root.appendingPathComponent("train").path, "--index", index.path])
        guard run.status == 0 else { throw SetupError(description: "cbr index build: \(run.stderr)") }
        return (root, index)
    }
}
