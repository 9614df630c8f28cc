/// The per-search state of `ExactSearch`: the (normalized) queries, every (thread, query) heap, and each
/// thread's scratch (tile scores; float16 → float32 conversion buffer). Threads only touch their own
/// heaps and scratch, hence `@unchecked Sendable`.
final class BlockScanner: @unchecked Sendable {
    let plan: Plan
    let heaps: TopKHeaps
    private let queries: UnsafeMutablePointer<Float>
    private let scoreScratch: [UnsafeMutablePointer<Float>]
    private let rowScratch: [UnsafeMutablePointer<Float>]
    private let scoreCapacity: Int
    /// Removed-label table (nil when nothing is removed).
    private let removed: UnsafeMutablePointer<Bool>?
    private let removedCount: Int

    init(plan: Plan, queries source: [Float], normalize: Bool, mask: LabelMask) throws {
        self.plan = plan
        let d = plan.dimension, q = plan.queries
        let queries = UnsafeMutablePointer<Float>.allocate(capacity: q * d)
        queries.initialize(from: source, count: q * d)
        self.queries = queries
        if normalize {
            for j in 0..<q {
                let row = queries + j * d
                let norm = DotKernels.dot(row, row, d).squareRoot()
                if norm > 0 { for i in 0..<d { row[i] /= norm } }
            }
        }
        heaps = TopKHeaps(count: plan.threads * q, k: plan.k)
        let chunk = plan.mode == .querySplit ? min(plan.queryChunk, q) : q
        scoreCapacity = chunk * plan.tileRows
        scoreScratch = (0..<plan.threads).map { _ in .allocate(capacity: chunk * plan.tileRows) }
        rowScratch = (0..<plan.threads).map { _ in .allocate(capacity: plan.mode == .fused ? 1 : plan.tileRows * d) }
        if mask.isEmpty {
            removed = nil
            removedCount = 0
        } else {
            let table = UnsafeMutablePointer<Bool>.allocate(capacity: mask.removed.count)
            table.initialize(from: mask.removed, count: mask.removed.count)
            removed = table
            removedCount = mask.removed.count
        }
    }

    func deallocate() {
        queries.deallocate()
        heaps.deallocate()
        scoreScratch.forEach { $0.deallocate() }
        rowScratch.forEach { $0.deallocate() }
        removed?.deallocate()
    }

    /// Thread `thread`'s share of one block.
    func run(_ block: RowBlock, thread: Int) {
        let q = plan.queries, d = plan.dimension
        let rows: Range<Int>, queryRange: Range<Int>
        switch plan.mode {
        case .fused, .rowSplit:
            rows = Plan.share(block.count, parts: plan.threads, part: thread)
            queryRange = 0..<q
        case .querySplit:
            rows = 0..<block.count
            queryRange = Plan.share(q, parts: plan.threads, part: thread)
        }
        guard !rows.isEmpty, !queryRange.isEmpty, let labels = block.labels.baseAddress else { return }
        let scores = scoreScratch[thread]
        let heapBase = thread * q
        var tile = rows.lowerBound
        while tile < rows.upperBound {
            let n = min(plan.tileRows, rows.upperBound - tile)
            let firstRow = block.firstRow + tile
            if plan.mode == .fused {
                dots(block, from: tile, count: n, into: scores)
                for j in queryRange {
                    scan(scores + j * n, count: n, heap: heapBase + j, firstRow: firstRow, labels: labels + tile)
                }
            } else {
                let x = float32Rows(block, from: tile, count: n, scratch: rowScratch[thread])
                var chunkStart = queryRange.lowerBound
                while chunkStart < queryRange.upperBound {
                    let m = min(plan.queryChunk, queryRange.upperBound - chunkStart)
                    BLAS.multiplyTransposed(queries + chunkStart * d, x, into: scores, m: m, n: n, k: d, ldc: n)
                    for j in 0..<m {
                        scan(scores + j * n, count: n, heap: heapBase + chunkStart + j,
                             firstRow: firstRow, labels: labels + tile)
                    }
                    chunkStart += m
                }
            }
            tile += n
        }
    }

    /// Rows `from ..< from + count` of the block as float32: in place, or converted into `scratch`.
    private func float32Rows(_ block: RowBlock, from: Int, count: Int,
                             scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let d = plan.dimension
        switch block.rows {
        case .float32(let values):
            return values.baseAddress! + from * d
        case .float16(let values):
            DotKernels.convert(values.baseAddress! + from * d, to: scratch, count: count * d)
            return UnsafePointer(scratch)
        }
    }

    /// The fused path: `scores[j · count + r] = ⟨query j, row from + r⟩` by SIMD dot products, each row
    /// read once from memory and kept in L1 across the (few) queries.
    private func dots(_ block: RowBlock, from: Int, count: Int, into scores: UnsafeMutablePointer<Float>) {
        let d = plan.dimension, q = plan.queries
        switch block.rows {
        case .float32(let values):
            let base = values.baseAddress! + from * d
            for r in 0..<count {
                for j in 0..<q { scores[j * count + r] = DotKernels.dot(base + r * d, queries + j * d, d) }
            }
        case .float16(let values):
            let base = values.baseAddress! + from * d
            for r in 0..<count {
                for j in 0..<q { scores[j * count + r] = DotKernels.dot(base + r * d, queries + j * d, d) }
            }
        }
    }

    /// Offers to `heap` every row of `scores[0..<count]` that beats its minimum, 8 rows per SIMD compare.
    @inline(__always)
    private func scan(_ scores: UnsafeMutablePointer<Float>, count: Int, heap: Int, firstRow: Int,
                      labels: UnsafePointer<Int32>) {
        var threshold = heaps.threshold(of: heap)
        let raw = UnsafeRawPointer(scores)
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            if any(v .> SIMD8(repeating: threshold)) {
                for lane in 0..<8 where v[lane] > threshold {
                    offer(heap, score: v[lane], index: i + lane, firstRow: firstRow, labels: labels)
                    threshold = heaps.threshold(of: heap)
                }
            }
            i += 8
        }
        while i < count {
            if scores[i] > threshold {
                offer(heap, score: scores[i], index: i, firstRow: firstRow, labels: labels)
                threshold = heaps.threshold(of: heap)
            }
            i += 1
        }
    }

    @inline(__always)
    private func offer(_ heap: Int, score: Float, index: Int, firstRow: Int, labels: UnsafePointer<Int32>) {
        let label = labels[index]
        if let removed, label >= 0, Int(label) < removedCount, removed[Int(label)] { return }
        heaps.offer(heap, score: score, row: Int64(firstRow + index), label: label)
    }
}
