import Foundation
import ShardedIndex

/// `GET /index`: what `cbr index info --classes` reports, as JSON.
struct IndexSummary: Encodable {
    struct Class: Encodable {
        var id: Int32
        var name: String
        var rows: Int
        var removed: Bool
    }

    var index: String
    var format: String
    var version: Int
    var generation: Int
    var rows: Int
    var liveRows: Int
    var dimension: Int
    var dtype: String
    var shards: Int
    var model: String?
    var modelChecksum: String?
    var classes: [Class]

    init(_ served: ServedIndex) {
        let m = served.classifier.manifest
        index = served.classifier.index.path
        format = m.format
        version = m.version
        generation = m.generation
        rows = m.rowCount
        liveRows = m.liveRowCount
        dimension = m.dimension
        dtype = m.dtype.rawValue
        shards = m.shards.count
        model = m.model?.name
        modelChecksum = m.model?.checksum
        classes = m.classes.map { Class(id: $0.id, name: $0.name, rows: $0.rows, removed: $0.removed) }
    }
}
