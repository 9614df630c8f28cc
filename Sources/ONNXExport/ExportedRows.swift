import Foundation
import ShardedIndex

/// The index rows the retrieval layer holds: every row of every live class (removed classes and classes
/// with no row are left out), laid out so that the classes with the same number of rows are contiguous —
/// group by group (ascending rows per class), class by class (id order), rows in index order. A group of
/// c classes with m rows each is then one `[N, c, m]` reshape of the retrieval layer's output, reduced
/// over its last axis: no padding and no index tensor, whatever the class sizes.
struct ExportedRows {
    struct Group: Equatable {
        var rowsPerClass: Int
        /// Positions in `classes`, ascending.
        var members: [Int]
        /// The group's first row in `values`.
        var firstRow: Int
    }

    let dimension: Int
    /// The exported classes, in id order: the model's class indices are positions in this list.
    let classes: [Manifest.Class]
    let groups: [Group]
    /// `rowCount × dimension` floats, row-major, in the layout above.
    let values: [Float]

    var rowCount: Int { values.count / dimension }

    /// Reads the live rows of the index. Labels and counts come from files: each row's class id is checked
    /// against the class table, and every class must hold exactly the rows the manifest says.
    init(_ reader: ShardedIndexReader) throws {
        let manifest = reader.manifest
        let file = reader.directory.path
        func inconsistent(_ why: String) -> ExportError { ExportError(file: file, reason: .inconsistentIndex(why)) }
        let d = manifest.dimension
        let live = manifest.classes.filter { !$0.removed && $0.rows > 0 }
        guard !live.isEmpty else { throw ExportError(file: file, reason: .emptyIndex) }

        var position = [Int](repeating: -1, count: manifest.classes.count)
        for (p, c) in live.enumerated() { position[Int(c.id)] = p }
        var groups: [Group] = []
        var next = [Int](repeating: 0, count: live.count)
        var row = 0
        for (m, members) in Dictionary(grouping: live.indices, by: { live[$0].rows }).sorted(by: { $0.key < $1.key }) {
            groups.append(Group(rowsPerClass: m, members: members.sorted(), firstRow: row))
            for p in members.sorted() { next[p] = row; row += m }
        }
        let end = next.indices.map { next[$0] + live[$0].rows }
        let (bytes, overflow) = row.multipliedReportingOverflow(by: d * 4)
        guard !overflow, bytes <= Self.maxBytes else {
            throw ExportError(file: file, reason: .tooLarge("\(row) rows of d = \(d) (at most \(Self.maxBytes >> 30) GiB of rows)"))
        }

        var values = [Float](repeating: 0, count: row * d)
        var widened = [Float](repeating: 0, count: d)
        try values.withUnsafeMutableBufferPointer { out in
            try reader.forEachBlock(maxRows: 4096) { block in
                guard block.dimension == d else { throw inconsistent("a block has d = \(block.dimension), the manifest \(d)") }
                for r in 0..<block.count {
                    let label = Int(block.labels[r])
                    guard label >= 0, label < position.count else {
                        throw inconsistent("row \(block.firstRow + r) has class id \(label), the index has \(position.count) classes")
                    }
                    let p = position[label]
                    if p < 0 {
                        if manifest.classes[label].removed { continue }
                        throw inconsistent("row \(block.firstRow + r) is in class \(label), which the manifest says has no rows")
                    }
                    guard next[p] < end[p] else {
                        throw inconsistent("class \(label) has more rows than the manifest's \(live[p].rows)")
                    }
                    let target = UnsafeMutableBufferPointer(rebasing: out[(next[p] * d)..<((next[p] + 1) * d)])
                    switch block.rows {
                    case .float32(let rows): _ = target.update(fromContentsOf: rows[(r * d)..<((r + 1) * d)])
                    case .float16(let rows):
                        for i in 0..<d { widened[i] = Float(rows[r * d + i]) }
                        _ = target.update(fromContentsOf: widened)
                    }
                    next[p] += 1
                }
            }
        }
        if let short = next.indices.first(where: { next[$0] != end[$0] }) {
            throw inconsistent("class \(live[short].id) has \(live[short].rows - (end[short] - next[short])) rows, the manifest says \(live[short].rows)")
        }
        dimension = d
        classes = live
        self.groups = groups
        self.values = values
    }

    /// Rows held in memory at once (the model is built in memory: rows, then their bytes in the file).
    static let maxBytes = 16 << 30

    /// Each class's mean row (not normalized): the `mean` rule's weights, `classes.count × dimension`.
    func classMeans() -> [Float] {
        var means = [Float](repeating: 0, count: classes.count * dimension)
        var sum = [Double](repeating: 0, count: dimension)
        for group in groups {
            for (k, p) in group.members.enumerated() {
                for i in sum.indices { sum[i] = 0 }
                let first = group.firstRow + k * group.rowsPerClass
                for r in first..<(first + group.rowsPerClass) {
                    for i in 0..<dimension { sum[i] += Double(values[r * dimension + i]) }
                }
                for i in 0..<dimension { means[p * dimension + i] = Float(sum[i] / Double(group.rowsPerClass)) }
            }
        }
        return means
    }
}
