import HDF5
import LinearAlgebra

/// The per-search state of `ExactSearch`: the (normalized) queries, every (thread, query) heap, and each
/// thread's scratch (tile scores; float16 → float32 conversion buffer). Threads only touch their own
/// heaps and scratch, hence `@unchecked Sendable`.

final class BlockScanner: @unchecked Sendable {
    let plan: Plan
    let heaps: TopKHeaps
    private let queries: UnsafeMutablePointer<Float>
    private let scoreScratch: [UnsafeMutablePointer<Float>]
    private let rowScratch: [UnsafeMutablePointer<Float>]
    /// Removed-label table (nil when nothing is removed).
    private let removed: UnsafeMutablePointer<Bool>?
    private let removedCount: Int

    init(plan: Plan, queries source: [Float], normalize: Bool, mask: LabelMask) throws {
        self.plan = plan
        let d = plan.dimension, q = plan.queries
        let queries = UnsafeMutablePointer<Float>.allocate(capacity: q * d)
        queries.initialize(from: source, count: q * d)
        self.queries = queries
        if normalize { RowMath.normalizeQueries(queries, count: q, dimension: d) }
        heaps = TopKHeaps(count: plan.threads * q, k: plan.k)
        scoreScratch = (0..<plan.threads).map { _ in .allocate(capacity: plan.queryChunk * plan.tileRows) }
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

    /// Worker `worker`'s part of one block: it takes work items — (tile of `tileRows` rows, chunk of
    /// `queryChunk` queries), tile-major — from `items` until none are left. Items go to whichever worker
    /// is free, so a worker the OS descheduled (a loaded machine) does not hold the block up; each worker
    /// writes only its own heaps and scratch.
    func run(_ block: RowBlock, worker: Int, items: WorkCounter) {
        guard let labels = block.labels.baseAddress else { return }
        let q = plan.queries, d = plan.dimension
        let chunks = (q + plan.queryChunk - 1) / plan.queryChunk
        let tiles = (block.count + plan.tileRows - 1) / plan.tileRows
        let scores = scoreScratch[worker]
        let heapBase = worker * q
        while let item = items.next(below: tiles * chunks) {
            let tile = (item / chunks) * plan.tileRows
            let n = min(plan.tileRows, block.count - tile)
            let queryStart = (item % chunks) * plan.queryChunk
            let m = min(plan.queryChunk, q - queryStart)
            if plan.mode == .fused {
                dots(block, from: tile, count: n, queries: queryStart ..< queryStart + m, into: scores)
            } else {
                let x = float32Rows(block, from: tile, count: n, scratch: rowScratch[worker])
                BLAS.gemm(m: m, n: n, k: d, a: queries + queryStart * d, lda: d, b: x, ldb: d, transposeB: true,
                          c: scores, ldc: n)
            }
            for j in 0..<m {
                scan(scores + j * n, count: n, heap: heapBase + queryStart + j,
                     firstRow: block.firstRow + tile, labels: labels + tile)
            }
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
            HalfPrecision.widen(UnsafeBufferPointer(start: values.baseAddress! + from * d, count: count * d),
                                into: UnsafeMutableBufferPointer(start: scratch, count: count * d))
            return UnsafePointer(scratch)
        }
    }

    /// The fused path: `scores[(j − first query) · count + r] = ⟨query j, row from + r⟩` by SIMD dot
    /// products, each row read once from memory and kept in L1 across the (few) queries.
    private func dots(_ block: RowBlock, from: Int, count: Int, queries range: Range<Int>,
                      into scores: UnsafeMutablePointer<Float>) {
        switch block.rows {
        case .float32(let values):
            dots(values.baseAddress! + from * plan.dimension, count: count, queries: range, into: scores,
                 DotKernels.load8, { $0 })
        case .float16(let values):
            dots(values.baseAddress! + from * plan.dimension, count: count, queries: range, into: scores,
                 DotKernels.load8Half, Float.init)
        }
    }

    @inline(__always)
    private func dots<T>(_ base: UnsafePointer<T>, count: Int, queries range: Range<Int>,
                         into scores: UnsafeMutablePointer<Float>,
                         _ load: (UnsafeRawPointer, Int) -> SIMD8<Float>, _ scalar: (T) -> Float) {
        let d = plan.dimension, first = range.lowerBound
        for r in 0..<count {
            for j in range {
                scores[(j - first) * count + r] = DotKernels.dot1(base + r * d, queries + j * d, d, load, scalar)
            }
        }
    }

    /// Offers to `heap` every row of `scores[0..<count]` that reaches its minimum, 8 rows per SIMD compare.
    /// Equal scores are offered too (tiles reach a heap in any order; the heap breaks ties by row).
    @inline(__always)
    private func scan(_ scores: UnsafeMutablePointer<Float>, count: Int, heap: Int, firstRow: Int,
                      labels: UnsafePointer<Int32>) {
        var threshold = heaps.threshold(of: heap)
        let raw = UnsafeRawPointer(scores)
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            // `v .>= scalar` compiles to one vcmpps + vtestps; `v .>= SIMD8(repeating:)` (Swift 6.3) to a
            // lane-by-lane loop through the stack that cost ~17% of a Q = 256 search.
            if any(v .>= threshold) {
                for lane in 0..<8 where v[lane] >= threshold {
                    offer(heap, score: v[lane], index: i + lane, firstRow: firstRow, labels: labels)
                    threshold = heaps.threshold(of: heap)
                }
            }
            i += 8
        }
        while i < count {
            if scores[i] >= threshold {
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
