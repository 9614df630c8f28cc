import HDF5
import LinearAlgebra

/// The per-search state of `RoutedSearch`: the normalized queries in group order, every (worker, query)
/// heap, and each worker's scratch (gathered float32 rows, tile scores). A worker takes a tile — up to
/// `tileRows` rows of one group's classes within the block — gathers its rows (float16 widened), scores
/// them against the group's queries (one SGEMM, or SIMD dot products for one or two queries), and offers
/// each query only the rows of its own shortlisted classes.
final class RoutedScanner: @unchecked Sendable {
    let queryCount: Int
    let dimension: Int
    let tileRows: Int
    let fused: Bool
    let heaps: TopKHeaps
    let threads: Int
    /// Queries in group order (`groups.order`), `[q × d]`.
    private let queries: UnsafeMutablePointer<Float>
    private let rowScratch: [UnsafeMutablePointer<Float>]
    private let scoreScratch: [UnsafeMutablePointer<Float>]

    init(queries source: [Float], groups: QueryGroups, dimension d: Int, k: Int, threads: Int, tileRows: Int,
         fused: Bool) {
        let q = groups.order.count
        queryCount = q
        dimension = d
        self.tileRows = tileRows
        self.fused = fused
        self.threads = max(1, threads)
        let queries = UnsafeMutablePointer<Float>.allocate(capacity: max(1, q * d))
        self.queries = queries
        source.withUnsafeBufferPointer { source in
            for (position, query) in groups.order.enumerated() {
                (queries + position * d).initialize(from: source.baseAddress! + query * d, count: d)
            }
        }
        heaps = TopKHeaps(count: self.threads * q, k: k)
        let widest = groups.groups.map(\.count).max() ?? 1
        rowScratch = (0..<self.threads).map { _ in .allocate(capacity: tileRows * d) }
        scoreScratch = (0..<self.threads).map { _ in .allocate(capacity: widest * tileRows) }
    }

    func deallocate() {
        queries.deallocate()
        heaps.deallocate()
        rowScratch.forEach { $0.deallocate() }
        scoreScratch.forEach { $0.deallocate() }
    }

    /// Worker `worker`'s part of one block: tiles of `routing` taken from `items` until none are left.
    func run(_ block: RowBlock, _ routing: BlockRouting, _ groups: QueryGroups, worker: Int, items: WorkCounter) {
        let d = dimension
        let rows = rowScratch[worker], scores = scoreScratch[worker]
        routing.rows.withUnsafeBufferPointer { local in
            while let item = items.next(below: routing.tiles.count) {
                let tile = routing.tiles[item]
                let group = groups.groups[tile.group]
                let n = tile.end - tile.start, m = group.count
                gather(block, local, tile, into: rows)
                let groupQueries = queries + group.first * d
                if fused {
                    for r in 0..<n {
                        for j in 0..<m {
                            scores[j * n + r] = DotKernels.dot1(rows + r * d, groupQueries + j * d, d, DotKernels.load8, { $0 })
                        }
                    }
                } else {
                    BLAS.gemm(m: m, n: n, k: d, a: groupQueries, lda: d, b: rows, ldb: d, transposeB: true,
                              c: scores, ldc: n)
                }
                var s = tile.firstSegment
                while s < routing.segments.count, routing.segments[s].group == tile.group,
                      routing.segments[s].start < tile.end {
                    let segment = routing.segments[s]
                    let lo = max(segment.start, tile.start), hi = min(segment.end, tile.end)
                    for w in group.wanterStart[segment.slot]..<group.wanterStart[segment.slot + 1] {
                        let j = Int(group.wanters[w])
                        scan(scores + j * n + (lo - tile.start), count: hi - lo,
                             heap: worker * queryCount + group.first + j, local: local.baseAddress! + lo,
                             firstRow: block.firstRow, label: segment.label)
                    }
                    s += 1
                }
            }
        }
    }

    /// Copies the tile's rows out of the block as float32 (float16 widened exactly).
    private func gather(_ block: RowBlock, _ local: UnsafeBufferPointer<Int32>, _ tile: BlockRouting.Tile,
                        into scratch: UnsafeMutablePointer<Float>) {
        let d = dimension
        switch block.rows {
        case .float32(let values):
            for (r, i) in (tile.start..<tile.end).enumerated() {
                (scratch + r * d).update(from: values.baseAddress! + Int(local[i]) * d, count: d)
            }
        case .float16(let values):
            for (r, i) in (tile.start..<tile.end).enumerated() {
                HalfPrecision.widen(UnsafeBufferPointer(start: values.baseAddress! + Int(local[i]) * d, count: d),
                                    into: UnsafeMutableBufferPointer(start: scratch + r * d, count: d))
            }
        }
    }

    /// Offers to `heap` every score of `scores[0..<count]` that reaches its minimum (8 per SIMD compare);
    /// score `i` belongs to block row `local[i]`, of class `label`.
    @inline(__always)
    private func scan(_ scores: UnsafeMutablePointer<Float>, count: Int, heap: Int, local: UnsafePointer<Int32>,
                      firstRow: Int, label: Int32) {
        var threshold = heaps.threshold(of: heap)
        let raw = UnsafeRawPointer(scores)
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            if any(v .>= threshold) {  // scalar right-hand side: one vcmpps (see BlockScanner.scan)
                for lane in 0..<8 where v[lane] >= threshold {
                    heaps.offer(heap, score: v[lane], row: Int64(firstRow + Int(local[i + lane])), label: label)
                    threshold = heaps.threshold(of: heap)
                }
            }
            i += 8
        }
        while i < count {
            if scores[i] >= threshold {
                heaps.offer(heap, score: scores[i], row: Int64(firstRow + Int(local[i])), label: label)
                threshold = heaps.threshold(of: heap)
            }
            i += 1
        }
    }
}
