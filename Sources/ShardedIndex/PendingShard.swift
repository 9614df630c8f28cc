import Foundation
import HDF5

/// Rows collected in memory for the next shard file, already normalized and in the stored dtype.
struct PendingShard {
    let dimension: Int
    let dtype: ScalarType
    private(set) var float32: [Float] = []
    private(set) var float16: [Float16] = []
    private(set) var labels: [Int32] = []
    private(set) var ids: [String] = []
    /// Each row's content fingerprint (`index add --replace`), "" where it has none.
    private(set) var sources: [String] = []

    /// `capacity` rows are reserved up front, so that filling a shard never copies a growing array
    /// (address space only: untouched pages cost no memory).
    init(dimension: Int, dtype: ScalarType, capacity: Int = 0) {
        self.dimension = dimension
        self.dtype = dtype
        switch dtype {
        case .float32: float32.reserveCapacity(capacity * dimension)
        case .float16: float16.reserveCapacity(capacity * dimension)
        }
        labels.reserveCapacity(capacity)
        ids.reserveCapacity(capacity)
        sources.reserveCapacity(capacity)
    }

    var count: Int { labels.count }
    var isEmpty: Bool { labels.isEmpty }

    /// Appends rows `range` of `rows` (`dimension` floats each); returns how many were renormalized.
    @discardableResult
    mutating func append(_ rows: UnsafeBufferPointer<Float>, range: Range<Int>, labels newLabels: ArraySlice<Int32>,
                         ids newIDs: ArraySlice<String>, sources newSources: ArraySlice<String>? = nil) -> Int {
        let d = dimension
        var copy = Array(rows[(range.lowerBound * d)..<(range.upperBound * d)])
        let changed = copy.withUnsafeMutableBufferPointer { RowMath.normalizeRows($0, rows: range.count, dimension: d) }
        switch dtype {
        case .float32: float32 += copy
        case .float16: float16 += HalfPrecision.narrowed(copy)
        }
        labels += newLabels
        ids += newIDs
        if let newSources { sources += newSources } else { sources += repeatElement("", count: newIDs.count) }
        return changed
    }

    /// Appends row `r` of an already-stored block (from another shard, during compaction), unchanged.
    mutating func append(stored block: RowBlock, row r: Int, id: String, source: String) {
        let d = dimension
        switch block.rows {
        case .float32(let rows): float32 += rows[(r * d)..<((r + 1) * d)]
        case .float16(let rows): float16 += rows[(r * d)..<((r + 1) * d)]
        }
        labels.append(block.labels[r])
        ids.append(id)
        sources.append(source)
    }

    /// Makes room for `count` rows to be `place`d in any order (zero rows, label 0, empty ids until then).
    mutating func reserve(placing count: Int) {
        removeAll()
        switch dtype {
        case .float32: float32 = [Float](repeating: 0, count: count * dimension)
        case .float16: float16 = [Float16](repeating: 0, count: count * dimension)
        }
        labels = [Int32](repeating: 0, count: count)
        ids = [String](repeating: "", count: count)
        sources = [String](repeating: "", count: count)
    }

    /// Puts row `r` of an already-stored block at `position` of the reserved rows, unchanged.
    mutating func place(stored block: RowBlock, row r: Int, at position: Int, id: String, source: String) {
        let d = dimension
        switch block.rows {
        case .float32(let rows): float32.replaceSubrange((position * d)..<((position + 1) * d), with: rows[(r * d)..<((r + 1) * d)])
        case .float16(let rows): float16.replaceSubrange((position * d)..<((position + 1) * d), with: rows[(r * d)..<((r + 1) * d)])
        }
        labels[position] = block.labels[r]
        ids[position] = id
        sources[position] = source
    }

    /// Calls `body` with the collected rows as one block starting at global row `firstRow`.
    func withBlock<R>(firstRow: Int = 0, _ body: (RowBlock) throws -> R) rethrows -> R {
        try labels.withUnsafeBufferPointer { labels in
            switch dtype {
            case .float32:
                return try float32.withUnsafeBufferPointer {
                    try body(RowBlock(firstRow: firstRow, count: count, dimension: dimension, rows: .float32($0), labels: labels))
                }
            case .float16:
                return try float16.withUnsafeBufferPointer {
                    try body(RowBlock(firstRow: firstRow, count: count, dimension: dimension, rows: .float16($0), labels: labels))
                }
            }
        }
    }

    mutating func removeAll() {
        float32.removeAll(keepingCapacity: true)
        float16.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        sources.removeAll(keepingCapacity: true)
    }

    /// Writes the rows as shard file `name` under `directory` (via a `.partial` file, fsynced and renamed)
    /// and returns its manifest entry. The manifest is not touched.
    func write(named name: String, in directory: URL) throws -> Manifest.Shard {
        let final = directory.appendingPathComponent(name)
        let partial = final.appendingPathExtension("partial")
        IndexPaths.removeFile(partial)  // HDF5 would truncate the target of a link left under this name
        let sums = try withBlock { try ShardFile.write($0, ids: ids, sources: sources, to: partial) }
        try Durability.publish(partial, as: final)
        return Manifest.Shard(file: name, rows: count, checksum: sums.embeddings.text, labelsChecksum: sums.labels.text,
                              idsChecksum: sums.ids.text, sourcesChecksum: sums.sources?.text)
    }
}
