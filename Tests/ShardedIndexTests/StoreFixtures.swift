import Foundation
import ShardedIndex
import TestSupport

/// Seeded random rows, labels and ids for the storage tests.
struct SeededRows {
    let dimension: Int
    let rows: [Float]
    let classNames: [String]
    let ids: [String]

    var count: Int { ids.count }

    init(count: Int, dimension: Int, classes: Int, seed: UInt64) {
        var state = seed
        func next() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        self.dimension = dimension
        rows = (0..<(count * dimension)).map { _ in Float(Double(next() >> 11) / Double(1 << 53)) * 2 - 1 }
        classNames = (0..<count).map { _ in "class-\(next() % UInt64(classes))" }
        ids = (0..<count).map { "img/\($0).jpg" }
    }

    /// Row `r`, L2-normalized (what the index stores).
    func normalizedRow(_ r: Int) -> [Float] {
        let row = Array(rows[(r * dimension)..<((r + 1) * dimension)])
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return row.map { $0 / norm }
    }

    /// Appends rows `range` to `writer` in batches of `batch`.
    func append(to writer: IndexWriter, range: Range<Int>, batch: Int) throws {
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(range.upperBound, start + batch)
            try rows[(start * dimension)..<(end * dimension)].withUnsafeBufferPointer {
                try writer.append(rows: $0, classNames: Array(classNames[start..<end]), ids: Array(ids[start..<end]))
            }
            start = end
        }
    }
}

/// Everything a pass over a `RowBlockSource` handed out, as float32.
struct Collected {
    var rows: [Float] = []
    var labels: [Int32] = []
    var firstRows: [Int] = []

    init(_ source: some RowBlockSource, maxRows: Int) throws {
        try source.forEachBlock(maxRows: maxRows) { block in
            firstRows.append(block.firstRow)
            labels += block.labels
            switch block.rows {
            case .float32(let r): rows += r
            case .float16(let r): rows += r.map(Float.init)
            }
        }
    }
}
