import HDF5
import LinearAlgebra

/// The per-search state of `RoutedSearch`: the normalized queries, every (worker, query) heap, and each
/// worker's scratch. A work item is up to `tileRows` rows of one class within a block, scored against
/// every query that routed to that class:
/// - one or two such queries: SIMD dot products straight from the block (float16 widened in registers),
///   no copy;
/// - more: one SGEMM of those queries (gathered, unless they are all the queries) against the rows — in
///   place when they are consecutive float32 rows (an index compacted by class), else gathered or widened.
final class RoutedScanner: @unchecked Sendable {
    let queryCount: Int
    let dimension: Int
    let tileRows: Int
    let threads: Int
    let heaps: TopKHeaps
    private let queries: UnsafeMutablePointer<Float>
    private let queryScratch: [UnsafeMutablePointer<Float>]
    private let rowScratch: [UnsafeMutablePointer<Float>]
    private let scoreScratch: [UnsafeMutablePointer<Float>]

    init(queries source: [Float], dimension d: Int, k: Int, threads: Int, tileRows: Int, widest: Int) {
        let q = source.count / d
        queryCount = q
        dimension = d
        self.tileRows = tileRows
        self.threads = max(1, threads)
        queries = .allocate(capacity: max(1, q * d))
        queries.initialize(from: source, count: q * d)
        heaps = TopKHeaps(count: self.threads * q, k: k)
        let m = max(1, min(widest, q))
        queryScratch = (0..<self.threads).map { _ in .allocate(capacity: m * d) }
        rowScratch = (0..<self.threads).map { _ in .allocate(capacity: tileRows * d) }
        scoreScratch = (0..<self.threads).map { _ in .allocate(capacity: m * tileRows) }
    }

    func deallocate() {
        queries.deallocate()
        heaps.deallocate()
        (queryScratch + rowScratch + scoreScratch).forEach { $0.deallocate() }
    }

    /// Worker `worker`'s part of one block: items of `routing` taken from `counter` until none are left.
    func run(_ block: RowBlock, _ routing: BlockRouting, _ classes: QueryRouting, worker: Int, counter: WorkCounter) {
        let d = dimension, scores = scoreScratch[worker]
        routing.rows.withUnsafeBufferPointer { local in
            classes.queries.withUnsafeBufferPointer { wanters in
                while let index = counter.next(below: routing.items.count) {
                    let item = routing.items[index]
                    let lo = classes.start[Int(item.label)], hi = classes.start[Int(item.label) + 1]
                    let m = hi - lo, n = item.end - item.start
                    let localRows = local.baseAddress! + item.start
                    let who = wanters.baseAddress! + lo
                    if m <= 2 {
                        dots(block, localRows, n, who, m, into: scores)
                    } else {
                        let a = m == queryCount ? UnsafePointer(queries) : gatherQueries(who, m, into: queryScratch[worker])
                        let b = rows(block, localRows, n, contiguous: item.contiguous, scratch: rowScratch[worker])
                        BLAS.gemm(m: m, n: n, k: d, a: a, lda: d, b: b, ldb: d, transposeB: true, c: scores, ldc: n)
                    }
                    for j in 0..<m {
                        scan(scores + j * n, count: n, heap: worker * queryCount + Int(who[j]), local: localRows,
                             block: block, label: item.label)
                    }
                }
            }
        }
    }

    private func gatherQueries(_ who: UnsafePointer<Int32>, _ m: Int, into scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        for j in 0..<m { (scratch + j * dimension).update(from: queries + Int(who[j]) * dimension, count: dimension) }
        return UnsafePointer(scratch)
    }

    /// The item's rows as a float32 matrix: in place, or copied (float16 widened exactly) into `scratch`.
    private func rows(_ block: RowBlock, _ local: UnsafePointer<Int32>, _ n: Int, contiguous: Bool,
                      scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let d = dimension
        switch block.rows {
        case .float32(let values):
            if contiguous { return values.baseAddress! + Int(local[0]) * d }
            for r in 0..<n { (scratch + r * d).update(from: values.baseAddress! + Int(local[r]) * d, count: d) }
        case .float16(let values):
            if contiguous {
                HalfPrecision.widen(UnsafeBufferPointer(start: values.baseAddress! + Int(local[0]) * d, count: n * d),
                                    into: UnsafeMutableBufferPointer(start: scratch, count: n * d))
            } else {
                for r in 0..<n {
                    HalfPrecision.widen(UnsafeBufferPointer(start: values.baseAddress! + Int(local[r]) * d, count: d),
                                        into: UnsafeMutableBufferPointer(start: scratch + r * d, count: d))
                }
            }
        }
        return UnsafePointer(scratch)
    }

    /// `scores[j · n + r] = ⟨query who[j], row local[r]⟩` by SIMD dot products from the block itself.
    private func dots(_ block: RowBlock, _ local: UnsafePointer<Int32>, _ n: Int, _ who: UnsafePointer<Int32>, _ m: Int,
                      into scores: UnsafeMutablePointer<Float>) {
        let d = dimension
        switch block.rows {
        case .float32(let values):
            for r in 0..<n {
                for j in 0..<m {
                    scores[j * n + r] = DotKernels.dot1(values.baseAddress! + Int(local[r]) * d, queries + Int(who[j]) * d, d,
                                                        DotKernels.load8, { $0 })
                }
            }
        case .float16(let values):
            for r in 0..<n {
                for j in 0..<m {
                    scores[j * n + r] = DotKernels.dot1(values.baseAddress! + Int(local[r]) * d, queries + Int(who[j]) * d, d,
                                                        DotKernels.load8Half, Float.init)
                }
            }
        }
    }

    /// Offers to `heap` every score of `scores[0..<count]` that reaches its minimum (8 per SIMD compare);
    /// score `i` belongs to block row `local[i]`, of class `label`.
    @inline(__always)
    private func scan(_ scores: UnsafeMutablePointer<Float>, count: Int, heap: Int, local: UnsafePointer<Int32>,
                      block: RowBlock, label: Int32) {
        var threshold = heaps.threshold(of: heap)
        let raw = UnsafeRawPointer(scores)
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            if any(v .>= threshold) {  // scalar right-hand side: one vcmpps (see BlockScanner.scan)
                for lane in 0..<8 where v[lane] >= threshold {
                    heaps.offer(heap, score: v[lane], row: Int64(block.globalRow(Int(local[i + lane]))), label: label)
                    threshold = heaps.threshold(of: heap)
                }
            }
            i += 8
        }
        while i < count {
            if scores[i] >= threshold {
                heaps.offer(heap, score: scores[i], row: Int64(block.globalRow(Int(local[i]))), label: label)
                threshold = heaps.threshold(of: heap)
            }
            i += 1
        }
    }
}
