import Foundation
import ShardedIndex

/// What every rank of an index build needs from rank 0, which alone opens the index: the manifest with
/// every class of the work registered (so class ids are global and deterministic), the first shard number
/// of the run (`manifest.nextShard`), the shard size, and the work list — the dataset's items not yet
/// committed, in dataset order, with their class ids. Rank r embeds work positions r, r + size, r + 2 × size, …
struct BuildPlan {
    struct Header: Codable {
        var manifest: Manifest
        var rowsPerShard: Int
        /// The dataset as rank 0 listed it, so that a rank that lists another one stops at once.
        var datasetItems: Int
        var datasetDigest: UInt64
    }

    var header: Header
    /// Indices into `dataset.items`, increasing.
    var work: [Int]
    /// Class id of each work item.
    var labels: [Int32]

    var manifest: Manifest { header.manifest }

    /// Work positions of rank `rank` of `size`.
    static func share(of count: Int, rank: Int, size: Int) -> StrideTo<Int> { stride(from: rank, to: count, by: size) }

    /// Rank 0's plan (`plan` on rank 0, ignored elsewhere), on every rank; checked against `dataset` there.
    static func broadcast(_ plan: BuildPlan?, dataset: Dataset, over cluster: any Cluster) throws -> BuildPlan {
        let mine = cluster.isRoot ? plan : nil
        let header = try cluster.broadcast(try mine.map { try ClusterCoding.encode($0.header) } ?? [], root: 0)
        let work = try cluster.broadcast(mine.map { ClusterCoding.bytes(of: $0.work.map(Int64.init)) } ?? [], root: 0)
        let labels = try cluster.broadcast(mine.map { ClusterCoding.bytes(of: $0.labels) } ?? [], root: 0)
        if let mine { return mine }
        let received = BuildPlan(header: try ClusterCoding.decode(Header.self, from: header),
                                 work: try ClusterCoding.values(Int64.self, from: work).map { Int(truncatingIfNeeded: $0) },
                                 labels: try ClusterCoding.values(Int32.self, from: labels))
        try received.check(dataset, rank: cluster.rank)
        return received
    }

    /// Throws unless the plan fits this rank's `dataset` (the same items) and is well formed.
    func check(_ dataset: Dataset, rank: Int) throws {
        guard header.datasetItems == dataset.items.count, header.datasetDigest == Self.digest(dataset) else {
            throw BuildPlanError.otherDataset(rank: rank, items: dataset.items.count, rootItems: header.datasetItems)
        }
        guard labels.count == work.count else {
            throw ClusterError.malformedMessage("build plan: \(labels.count) labels for \(work.count) items")
        }
        var previous = -1
        for index in work {
            guard index > previous, index < dataset.items.count else {
                throw ClusterError.malformedMessage("build plan: item \(index) out of order or outside the dataset")
            }
            previous = index
        }
        let classes = manifest.classes.count
        guard labels.allSatisfy({ $0 >= 0 && Int($0) < classes }), header.rowsPerShard > 0 else {
            throw ClusterError.malformedMessage("build plan: a class id outside the \(classes) classes, or no shard size")
        }
    }

    /// FNV-1a over every item's key and class (stable across processes, unlike `Hasher`).
    static func digest(_ dataset: Dataset) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        for item in dataset.items {
            for byte in item.key.utf8 { mix(byte) }
            mix(0)
            for byte in dataset.className(of: item)?.utf8 ?? "".utf8 { mix(byte) }
            mix(item.label == nil ? 1 : 0)
        }
        return hash
    }
}

enum BuildPlanError: Error, CustomStringConvertible {
    case otherDataset(rank: Int, items: Int, rootItems: Int)

    var description: String {
        switch self {
        case let .otherDataset(rank, items, rootItems):
            "rank \(rank) lists another dataset than rank 0 (\(items) items, rank 0: \(rootItems)); every rank must see the same files"
        }
    }
}
