import Aggregate
import Foundation
import Pipeline
import ShardedIndex

/// One committed generation of the index as the server answers from it: the classifier (rows loaded in
/// memory up to `Classifier.inMemoryLimit`), the row ids, and the class masks of the filters asked so far.
/// A batch takes one and keeps it to the end, so a reload never changes the index under a search.
final class ServedIndex: @unchecked Sendable {
    let classifier: Classifier
    let ids: [String]
    /// Row of each id (the first, if an id repeats): `GET /image` serves only files the index records.
    let rowOfID: [String: Int]
    private var masks: [ClassFilter: LabelMask] = [:]
    private let lock = NSLock()

    var generation: Int { classifier.manifest.generation }

    init(index: URL, model: URL?, threads: Int) throws {
        classifier = try Classifier(index: index, model: model, options: .init(k: 50, threads: threads), prototypes: true)
        ids = try ShardedIndexReader(directory: index, manifest: classifier.manifest).allIDs()
        guard ids.count == classifier.manifest.rowCount else {
            throw CLIError.input(path: index.path, reason: "\(ids.count) ids for \(classifier.manifest.rowCount) rows")
        }
        var rows: [String: Int] = [:]
        rows.reserveCapacity(ids.count)
        for (row, id) in ids.enumerated() where rows[id] == nil { rows[id] = row }
        rowOfID = rows
    }

    /// The mask of `filter` (removed classes included); an unknown class name is a 400 naming it.
    func mask(for filter: ClassFilter) throws(RequestError) -> LabelMask {
        if filter.isEmpty { return classifier.mask }
        if let known = lock.withLock({ masks[filter] }) { return known }
        do {
            let mask = try filter.mask(for: classifier.manifest)
            // A bounded cache: filters are few in practice; a client cycling through many only recomputes.
            lock.withLock { if masks.count >= 256 { masks.removeAll() }; masks[filter] = mask }
            return mask
        } catch {
            throw RequestError(400, "\(error)")
        }
    }
}
