import Foundation
import TestSupport

/// The augmented real photos (`AugmentedPhotos`) with their training views indexed by `cbr index build`
/// in shards of 7 rows (so that every rank of a distributed run has some), and the query folder with one
/// file that is no image (`coffee/broken.jpg`). Made once for the distributed tests.
enum ShardedPhotos {
    struct BuildFailed: Error { var stderr: String }

    static let data: Result<(index: URL, queries: URL), any Error> = Result {
        let root = try AugmentedPhotos.make()
        let index = root.appendingPathComponent("index")
        let run = try CLIRun.cbr(["index", "build", root.appendingPathComponent("train").path, "--index", index.path,
                                  "--shard-rows", "7"])
        guard run.status == 0 else { throw BuildFailed(stderr: run.stderr) }
        let queries = root.appendingPathComponent("query")
        try Data("not a jpeg".utf8).write(to: queries.appendingPathComponent("coffee/broken.jpg"))
        return (index, queries)
    }
}
