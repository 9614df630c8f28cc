import Foundation
import ShardedIndex

/// `bench search --write-index DIR`: writes the benchmark's rows as real indexes (one per row type) through
/// `IndexWriter`, so the streaming reader can be searched in a later run with `--index DIR/<dtype>`.
enum SearchIndexWriting {
    static func write(_ data: SearchData, types: [ScalarType], under root: String) throws {
        let batch = 4096
        for type in types {
            let directory = URL(fileURLWithPath: root).appendingPathComponent(type.rawValue)
            try? FileManager.default.removeItem(at: directory)
            let seconds = try Stopwatch.time {
                let writer = try IndexWriter.create(at: directory, dimension: data.dimension, dtype: type)
                let classes = (data.labels.max() ?? -1) + 1
                let ids = (0..<classes).map { writer.classID(for: "class-\($0)") }
                try data.rows.withUnsafeBufferPointer { rows in
                    var start = 0
                    while start < data.count {
                        let end = min(start + batch, data.count)
                        let slice = UnsafeBufferPointer(rebasing: rows[start * data.dimension ..< end * data.dimension])
                        try writer.append(rows: slice, classIDs: data.labels[start..<end].map { ids[Int($0)] },
                                          ids: (start..<end).map { "row-\($0)" })
                        start = end
                    }
                }
                try writer.finish()
            }
            print("wrote \(data.count) rows (\(type.rawValue)) to \(directory.path): "
                  + String(format: "%.0f rows/s, %.1f s", Double(data.count) / seconds, seconds))
        }
    }
}
