import Dispatch
import Foundation
import ShardedIndex

/// Writes a synthetic landmark collection into one index per storage type, generating each batch of rows
/// once (in parallel) and handing it to every writer.
struct LandmarkBuild {
    struct Result {
        var dtype: ScalarType
        var directory: URL
        /// Seconds spent inside the writer (append + commits + finish), not generating.
        var writeSeconds: Double
        var bytes: Int
    }

    let data: SyntheticLandmarks
    /// Rows per shard (nil: the writer's 256 MB of embeddings).
    var shardRows: Int? = nil
    let batchRows = 16_384

    /// Builds `dtypes` indexes under `root`; returns them and the seconds spent generating rows.
    func run(into root: URL, dtypes: [ScalarType], centres: [Float],
             progress: (Int) -> Void) throws -> (results: [Result], generateSeconds: Double) {
        let d = data.dimension
        let writers = try dtypes.map { dtype -> IndexWriter in
            let directory = root.appendingPathComponent(dtype.rawValue)
            try? FileManager.default.removeItem(at: directory)
            return try IndexWriter.create(at: directory, dimension: d, dtype: dtype,
                                          model: .init(name: "synthetic-landmarks", checksum: "seed-\(data.seed)"),
                                          shardSizeLimit: shardRows.map { $0 * d * dtype.byteWidth } ?? IndexWriter.defaultShardSizeLimit)
        }
        for c in 0..<data.classes {
            for writer in writers { _ = writer.classID(for: Self.className(c)) }
        }
        var writeSeconds = [Double](repeating: 0, count: writers.count)
        var generateSeconds = 0.0
        var rows = [Float](repeating: 0, count: batchRows * d)
        var labels: [Int32] = [], ids: [String] = [], within: [Int] = []
        var done = 0

        func flush() throws {
            guard !labels.isEmpty else { return }
            let count = labels.count
            let labelsNow = labels, withinNow = within
            generateSeconds += Stopwatch.time {
                rows.withUnsafeMutableBufferPointer { out in
                    centres.withUnsafeBufferPointer { centre in
                        let out = SharedPointer(out.baseAddress!), centre = SharedPointer(centre.baseAddress!)
                        let chunks = 64
                        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                            let range = (chunk * count / chunks)..<((chunk + 1) * count / chunks)
                            for r in range {
                                data.generateRows(label: Int(labelsNow[r]), first: withinNow[r], count: 1,
                                                  centres: centre.pointer, into: out.pointer + r * d)
                            }
                        }
                    }
                }
            }
            try rows.withUnsafeBufferPointer { buffer in
                let batch = UnsafeBufferPointer(rebasing: buffer[0..<(count * d)])
                for (w, writer) in writers.enumerated() {
                    writeSeconds[w] += try Stopwatch.time { try writer.append(rows: batch, classIDs: labels, ids: ids) }
                }
            }
            done += count
            progress(done)
            labels.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
            within.removeAll(keepingCapacity: true)
        }

        for (c, size) in data.classSizes().enumerated() {
            for i in 0..<size {
                labels.append(Int32(c))
                ids.append("\(c)/\(i)")
                within.append(i)
                if labels.count == batchRows { try flush() }
            }
        }
        try flush()
        for (w, writer) in writers.enumerated() {
            writeSeconds[w] += try Stopwatch.time { try writer.finish() }
        }
        let results = dtypes.enumerated().map { w, dtype in
            let directory = root.appendingPathComponent(dtype.rawValue)
            return Result(dtype: dtype, directory: directory, writeSeconds: writeSeconds[w], bytes: directoryBytes(directory))
        }
        return (results, generateSeconds)
    }

    static func className(_ c: Int) -> String { "landmark-\(c)" }
}

/// Total size of the regular files below `directory`.
func directoryBytes(_ directory: URL) -> Int {
    guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.fileSizeKey]) else {
        return 0
    }
    var total = 0
    for case let url as URL in walker {
        total += (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
    }
    return total
}
