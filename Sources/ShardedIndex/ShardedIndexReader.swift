import Foundation

/// Reads a committed index: the rows of the shards the manifest lists, as `RowBlock`s for the search,
/// plus the class table, the removed-class mask, the row ids and the class prototypes.
///
/// - `streaming`: blocks are read from the shard files into two reusable buffers, the next block on a
///   background thread while the current one is searched; memory stays at two blocks whatever the index size.
/// - `inMemory`: every row is loaded once at open; blocks are views of that memory.
///
/// `shards` restricts the reader to some of the manifest's shards (a rank's part of a distributed search):
/// blocks keep their global row numbers, so results over disjoint parts merge into the whole index's
/// (`SearchResults.merged`). Blocks never cross a shard boundary in either mode.
///
/// Checksums: in-memory mode verifies every shard at open; streaming mode verifies each shard the first
/// time a pass reads it to the end (a mismatch fails that pass with `IndexError.corruptShard`).
public final class ShardedIndexReader: RowBlockSource {
    public enum Mode: String, Sendable, CaseIterable { case streaming, inMemory }

    public let directory: URL
    public let manifest: Manifest
    public let mode: Mode
    let state: StreamState
    let selection: ShardSelection
    let memory: LoadedRows?
    /// The class-ranges table, read at the first routed search (`ClassLocatingSource`).
    let classRanges = ClassRangeCache()

    /// `shards`: manifest indices of the shards to read (nil: all of them).
    public convenience init(directory: URL, mode: Mode = .streaming, verifyChecksums: Bool = true, shards: [Int]? = nil) throws {
        try self.init(directory: directory, manifest: try Manifest.load(from: directory), mode: mode,
                      verifyChecksums: verifyChecksums, shards: shards)
    }

    /// A reader of `manifest`, loaded from the index at `directory` beforehand (to pick `shards` and the
    /// mode from it); it is checked again as `Manifest.load` checks it, so a hand-made one cannot lead outside.
    public init(directory: URL, manifest: Manifest, mode: Mode = .streaming, verifyChecksums: Bool = true,
                shards: [Int]? = nil) throws {
        let url = Manifest.url(in: directory)
        try manifest.validate(url)
        try IndexPaths.check(manifest, in: directory, manifestURL: url)
        self.directory = directory
        self.manifest = manifest
        self.mode = mode
        selection = try shards.map { try ShardSelection($0, of: manifest) } ?? ShardSelection(all: manifest)
        state = StreamState(directory: directory, manifest: manifest, verify: verifyChecksums)
        memory = mode == .inMemory ? try LoadedRows(state, shards: selection.shards) : nil
    }

    /// The shards this reader reads (manifest indices, ascending).
    public var shards: [Int] { selection.shards }
    /// Rows in those shards (`rowCount` is the whole index's, the range of global row numbers).
    public var selectedRowCount: Int { selection.rowCount(manifest) }

    public var dimension: Int { manifest.dimension }
    public var rowCount: Int { manifest.rowCount }
    public var dtype: ScalarType { manifest.dtype }
    public var classes: [Manifest.Class] { manifest.classes }
    /// `removedMask[classID]` is true for removed classes, whose rows a search must skip.
    public var removedMask: [Bool] { manifest.removedMask }

    /// Global row number of each shard's first row, and the total at the end.
    public var shardOffsets: [Int] { manifest.shards.reduce(into: [0]) { $0.append($0.last! + $1.rows) } }

    public func forEachBlock(maxRows: Int, _ body: (RowBlock) throws -> Void) throws {
        precondition(maxRows > 0, "maxRows must be positive")
        if let memory { return try memory.forEachBlock(maxRows: maxRows, body) }
        let state = self.state
        try BlockStream.run(selection.plans(manifest, maxRows: maxRows), maxRows: maxRows,
                            dimension: dimension, dtype: dtype, fill: { try state.fill($0, $1) }, body)
    }

    /// Reads every shard of this reader (all of the index's, unless it reads a subset) to the end and checks
    /// its checksums (embeddings, labels, and ids when the manifest has theirs).
    public func verify() throws {
        for index in selection.shards { try state.verifyWhole(index) }
    }

    // MARK: - Ids

    /// The ids of shard `index` (manifest order).
    public func ids(ofShard index: Int) throws -> [String] {
        try ShardFile.readIDs(ShardRef(directory, manifest, index))
    }

    /// The class ids of shard `index`'s rows (manifest order), each checked against the class table.
    public func labels(ofShard index: Int) throws -> [Int32] {
        let ref = ShardRef(directory, manifest, index)
        let handle = try ShardHandle(ref)
        var labels = [Int32](repeating: 0, count: ref.entry.rows)
        try labels.withUnsafeMutableBufferPointer { try handle.readLabels(0..<ref.entry.rows, into: $0) }
        return labels
    }

    /// The ids of global rows `rows` (any order; each shard read at most once).
    public func ids(ofRows rows: [Int]) throws -> [String] {
        let offsets = shardOffsets
        var cache: [Int: [String]] = [:]
        return try rows.map { row in
            guard let (shard, local) = Self.locate(row, offsets: offsets) else {
                throw IndexError.badInput("row \(row) outside the index (\(rowCount) rows)")
            }
            let ids = try cache[shard] ?? ids(ofShard: shard)
            cache[shard] = ids
            guard local < ids.count else { throw IndexError.badInput("row \(row) beyond its shard's \(ids.count) ids") }
            return ids[local]
        }
    }

    /// The shard (manifest order) holding global row `row` and the row's place in it, for `offsets` =
    /// `shardOffsets`; nil outside the index.
    public static func locate(_ row: Int, offsets: [Int]) -> (shard: Int, row: Int)? {
        guard let end = offsets.last, row >= 0, row < end else { return nil }
        // The last shard starting at or before `row` (empty shards share their successor's start).
        var lo = 0, hi = offsets.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if offsets[mid] <= row { lo = mid } else { hi = mid }
        }
        return (lo, row - offsets[lo])
    }

    /// All ids, in row order.
    public func allIDs() throws -> [String] {
        try manifest.shards.indices.flatMap { try ids(ofShard: $0) }
    }

    // MARK: - Prototypes

    /// Per-class sums and counts of every committed row (removed classes included until compaction).
    public func prototypeSums() throws -> PrototypeSums { try PrototypeStore.load(directory, manifest) }

    /// `classes.count × dimension` class prototypes: each class's mean embedding, L2-normalized.
    public func prototypes() throws -> [Float] { try prototypeSums().normalized() }
}
