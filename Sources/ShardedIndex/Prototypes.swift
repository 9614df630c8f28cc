import Foundation
import HDF5

/// Per-class sums of the stored (normalized) rows and row counts. A class's prototype — its mean
/// embedding, normalized — is its sum normalized. Sums make adding rows an update, not a recomputation.
public struct PrototypeSums: Sendable {
    public let dimension: Int
    /// `classCount × dimension`, row-major.
    public private(set) var sums: [Float]
    public private(set) var counts: [Int]

    public init(dimension: Int, classCount: Int = 0) {
        self.dimension = dimension
        sums = []
        counts = []
        grow(to: classCount)
    }

    init(dimension: Int, sums: [Float], counts: [Int]) {
        self.dimension = dimension
        self.sums = sums
        self.counts = counts
    }

    public var classCount: Int { counts.count }

    public mutating func grow(to classCount: Int) {
        guard classCount > counts.count else { return }
        sums += [Float](repeating: 0, count: (classCount - counts.count) * dimension)
        counts += [Int](repeating: 0, count: classCount - counts.count)
    }

    /// Adds `block`'s rows to their classes' sums.
    public mutating func add(_ block: RowBlock) {
        let d = dimension
        if let maxLabel = block.labels.max() { grow(to: Int(maxLabel) + 1) }
        var scratch = [Float](repeating: 0, count: d)
        sums.withUnsafeMutableBufferPointer { sums in
            scratch.withUnsafeMutableBufferPointer { scratch in
                for r in 0..<block.count {
                    let label = Int(block.labels[r])
                    counts[label] += 1
                    let row: UnsafeBufferPointer<Float>
                    switch block.rows {
                    case .float32(let rows): row = UnsafeBufferPointer(rebasing: rows[(r * d)..<((r + 1) * d)])
                    case .float16(let rows):
                        HalfPrecision.widen(UnsafeBufferPointer(rebasing: rows[(r * d)..<((r + 1) * d)]), into: scratch)
                        row = UnsafeBufferPointer(scratch)
                    }
                    let base = label * d
                    for i in 0..<d { sums[base + i] += row[i] }
                }
            }
        }
    }

    /// Forgets the rows of class `id` (compaction drops them).
    public mutating func clear(class id: Int) {
        guard id < counts.count else { return }
        counts[id] = 0
        for i in (id * dimension)..<((id + 1) * dimension) { sums[i] = 0 }
    }

    /// `classCount × dimension` prototypes: each class's mean row, L2-normalized (zero for empty classes).
    public func normalized() -> [Float] {
        var out = sums
        _ = out.withUnsafeMutableBufferPointer { RowMath.normalizeRows($0, rows: classCount, dimension: dimension) }
        return out
    }
}
