import Foundation

/// What the background reader needs to fill blocks: the shard list, the open shard, and the running
/// checksums of the shard being read. Only the reader's serial queue touches the mutable parts.
final class StreamState: @unchecked Sendable {
    let directory: URL
    let manifest: Manifest
    let verify: Bool
    private let verifiedLock = NSLock()
    private var verified = Set<Int>()
    // Reader-queue state.
    private var open: (index: Int, handle: ShardHandle)?
    private var running: (index: Int, next: Int, rows: CRC32, labels: CRC32)?

    init(directory: URL, manifest: Manifest, verify: Bool) {
        self.directory = directory
        self.manifest = manifest
        self.verify = verify
    }

    func url(_ index: Int) -> URL { directory.appendingPathComponent(manifest.shards[index].file) }

    func ref(_ index: Int) -> ShardRef { ShardRef(directory, manifest, index) }

    func handle(_ index: Int) throws -> ShardHandle {
        if let open, open.index == index { return open.handle }
        self.open = nil
        let handle = try ShardHandle(ref(index))
        self.open = (index, handle)
        return handle
    }

    private func isVerified(_ index: Int) -> Bool {
        verifiedLock.lock(); defer { verifiedLock.unlock() }
        return !verify || verified.contains(index)
    }

    private func markVerified(_ index: Int) {
        verifiedLock.lock(); defer { verifiedLock.unlock() }
        verified.insert(index)
    }

    /// Reads `plan`'s rows and labels into `buffer`, checking the shard's checksums when the pass has read
    /// it from its first row to its last.
    func fill(_ plan: BlockPlan, _ buffer: BlockBuffer) throws {
        guard !plan.pieces.isEmpty else { return try fill(plan, buffer, at: 0) }
        var offset = 0
        for piece in plan.pieces {
            try fill(piece, buffer, at: offset)
            for r in 0..<piece.range.count { buffer.rowIDs[offset + r] = piece.firstRow + r }
            offset += piece.range.count
        }
    }

    /// Reads plain `plan` into `buffer` from its row `offset` on.
    private func fill(_ plan: BlockPlan, _ buffer: BlockBuffer, at offset: Int) throws {
        let handle = try handle(plan.shard)
        let n = plan.range.count, rowWidth = manifest.dimension * manifest.dtype.byteWidth
        let rowBytes = UnsafeMutableRawBufferPointer(rebasing: buffer.rows[(offset * rowWidth)..<((offset + n) * rowWidth)])
        let labels = UnsafeMutableBufferPointer(rebasing: buffer.labels[offset..<(offset + n)])
        // The shard's file is closed once its last block is read.
        defer { if plan.isLastOfShard && open?.index == plan.shard { open = nil } }
        try handle.readRows(plan.range, into: rowBytes)
        try handle.readLabels(plan.range, into: labels)
        guard !isVerified(plan.shard) else { return }
        if plan.range.lowerBound == 0 { running = (plan.shard, 0, CRC32(), CRC32()) }
        guard var sums = running, sums.index == plan.shard, sums.next == plan.range.lowerBound else { return }
        sums.rows.update(UnsafeRawBufferPointer(rowBytes))
        sums.labels.update(UnsafeBufferPointer(labels))
        sums.next = plan.range.upperBound
        running = sums
        if plan.isLastOfShard {
            running = nil
            try check(plan.shard, rows: sums.rows, labels: sums.labels)
        }
    }

    func check(_ index: Int, rows: CRC32, labels: CRC32) throws {
        let entry = manifest.shards[index]
        guard rows.text == entry.checksum else {
            throw IndexError.corruptShard(url(index), "embeddings checksum \(rows.text), the manifest says \(entry.checksum)")
        }
        guard labels.text == entry.labelsChecksum else {
            throw IndexError.corruptShard(url(index), "labels checksum \(labels.text), the manifest says \(entry.labelsChecksum)")
        }
        markVerified(index)
    }

    /// Reads shard `index` whole (in pieces) and checks its checksums.
    func verifyWhole(_ index: Int) throws {
        let entry = manifest.shards[index]
        let step = max(1, (16 << 20) / (manifest.dimension * manifest.dtype.byteWidth))
        let buffer = BlockBuffer(capacity: min(step, max(entry.rows, 1)), dimension: manifest.dimension, dtype: manifest.dtype)
        let handle = try ShardHandle(ref(index))
        var rows = CRC32(), labels = CRC32()
        var start = 0
        while start < entry.rows {
            let end = min(entry.rows, start + step)
            let bytes = UnsafeMutableRawBufferPointer(rebasing: buffer.rows[0..<((end - start) * manifest.dimension * manifest.dtype.byteWidth)])
            let labelView = UnsafeMutableBufferPointer(rebasing: buffer.labels[0..<(end - start)])
            try handle.readRows(start..<end, into: bytes)
            try handle.readLabels(start..<end, into: labelView)
            rows.update(UnsafeRawBufferPointer(bytes))
            labels.update(UnsafeBufferPointer(labelView))
            start = end
        }
        try check(index, rows: rows, labels: labels)
        if entry.idsChecksum != nil { _ = try ShardFile.readIDs(ref(index)) }
        _ = try ShardFile.readSources(ref(index))
    }
}
