import Foundation
import ShardedIndex

/// Times searches on an in-memory index (float32, and a float16 copy made on first use) or on an index
/// directory read through `ShardedIndexReader` (streaming or loaded), whose row type is fixed.
struct SearchRunner {
    enum Index {
        case memory(SearchData)
        case directory(ShardedIndexReader)
    }

    let index: Index
    let queries: SearchData
    let threads: Int
    let blockRows: Int
    var tuning: ExactSearch.Tuning
    private var sources: [ScalarType: InMemoryRows] = [:]

    init(index: Index, queries: SearchData, threads: Int, blockRows: Int, tuning: ExactSearch.Tuning) {
        self.index = index
        self.queries = queries
        self.threads = threads
        self.blockRows = blockRows
        self.tuning = tuning
    }

    var rowCount: Int {
        switch index {
        case .memory(let data): data.count
        case .directory(let reader): reader.rowCount
        }
    }

    var dimension: Int {
        switch index {
        case .memory(let data): data.dimension
        case .directory(let reader): reader.dimension
        }
    }

    private mutating func source(_ type: ScalarType) throws -> any RowBlockSource {
        switch index {
        case .directory(let reader):
            guard reader.dtype == type else {
                throw SearchBenchError("\(reader.directory.path) holds \(reader.dtype) rows, not \(type)")
            }
            return reader
        case .memory(let data):
            if let s = sources[type] { return s }
            let s = try InMemoryRows(rows: data.rows, labels: data.labels, dimension: data.dimension, as: type)
            sources[type] = s
            return s
        }
    }

    /// Seconds of each of `repeats` timed searches (after one warm-up when `warmUp`); the last result's rows
    /// go to `idsPath`.
    mutating func time(type: ScalarType, queries batch: Int, k: Int, repeats: Int, idsPath: String?,
                       warmUp: Bool = true) throws -> [Double] {
        guard batch <= queries.count else {
            throw SearchBenchError("asked for \(batch) queries, only \(queries.count) available")
        }
        let source = try source(type)
        let q = Array(queries.rows[0 ..< batch * queries.dimension])
        let options = SearchOptions(k: k, blockRows: blockRows, threads: threads)
        var result = SearchResults(queryCount: 0, k: k)
        if warmUp { result = try ExactSearch.search(queries: q, in: source, options: options, tuning: tuning) }
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            times.append(try Stopwatch.time {
                result = try ExactSearch.search(queries: q, in: source, options: options, tuning: tuning)
            })
        }
        if let idsPath {
            try result.rows.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: idsPath)) }
        }
        return times
    }

    /// Answers commands from stdin, one JSON object per line, until end of input:
    /// `<dtype> <q> <k> <repeats> [ids file]` → `{"seconds": [...]}`; `peak` → `{"gflops": x}`;
    /// `tune <tile rows> <query chunk> <fused max>` sets the kernel tuning.
    mutating func serve() throws {
        reply(#"{"ready": true, "n": \#(rowCount), "d": \#(dimension)}"#)
        while let line = readLine() {
            let words = line.split(separator: " ").map(String.init)
            var reply: String
            do {
                let numbers = words.dropFirst().compactMap { Int($0) }
                if words.first == "tune", numbers.count == 3 {
                    (tuning.tileRows, tuning.queryChunk, tuning.fusedMaxQueries) = (numbers[0], numbers[1], numbers[2])
                    reply = #"{"tuned": true}"#
                } else if words.first == "peak" {
                    reply = #"{"gflops": \#(SGEMMPeak.measure(threads: threads))}"#
                } else if words.count >= 4, let type = ScalarType(rawValue: words[0]),
                          let batch = Int(words[1]), let k = Int(words[2]), let repeats = Int(words[3]) {
                    let seconds = try time(type: type, queries: batch, k: k, repeats: repeats,
                                           idsPath: words.count > 4 ? words[4] : nil, warmUp: false)
                    reply = #"{"seconds": [\#(seconds.map { String($0) }.joined(separator: ", "))], "rss": \#(peakResidentBytes())}"#
                } else {
                    reply = #"{"error": "bad command: \#(line)"}"#
                }
            } catch {
                reply = #"{"error": "\#(error)"}"#
            }
            self.reply(reply)
        }
    }

    /// One unbuffered line on stdout (the driver waits for it).
    private func reply(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
