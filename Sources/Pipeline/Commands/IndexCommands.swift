import Foundation
import ShardedIndex

extension Commands {
    /// `cbr index build` / `index add`: indexes `dataset`, lists what was skipped (each rank its own), and
    /// rank 0 prints the summary of the whole build.
    public static func indexImages(_ dataset: Dataset, index: URL, model: URL?, options: IndexBuilder.Options,
                                   cluster: any Cluster = SingleProcess(), console: Console) throws {
        let summary = try IndexBuilder.run(dataset, index: index, model: model, options: options, cluster: cluster)
        try report(summary.skipped, on: console)
        if cluster.isRoot { try console.print(summary.report) }
    }

    /// `cbr index info`: the index described (and verified, and its classes listed, when asked).
    public static func describeIndex(_ index: URL, classes: Bool, verify: Bool, list: Bool = false,
                                     console: Console) throws {
        let reader = try ShardedIndexReader(directory: index)
        let m = reader.manifest
        let removed = m.classes.filter(\.removed)
        let bytes = m.shards.reduce(0) { total, shard in
            let path = reader.directory.appendingPathComponent(shard.file).path
            return total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
        var lines = [
            "index: \(reader.directory.path) (format \(m.format) v\(m.version), generation \(m.generation))",
            "rows: \(m.rowCount) (\(m.liveRowCount) live), d = \(m.dimension), \(m.dtype.rawValue)",
            "shards: \(m.shards.count), \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB",
            "classes: \(m.classes.count) (\(removed.count) removed, \(removed.reduce(0) { $0 + $1.rows }) rows awaiting compact)",
            "model: " + (m.model.map { "\($0.name) \($0.checksum)" } ?? "none"),
            "descriptor: " + ((try? EmbeddingModel.descriptor(of: m, index: index))?.description ?? "unreadable"),
            "prototypes: " + (m.prototypes.map { "\($0.file), covers \($0.shards.count) of \(m.shards.count) shards" } ?? "none"),
            "projection: " + (m.projection.map { p in
                "\(p.method) \(p.inputDimension) → \(m.dimension) (shrinkage \(p.shrinkage), ridge \(p.ridge)), \(p.file), "
                    + (p.raw.map { "original rows kept in \($0.count) shards (whiten --drop deletes them)" } ?? "original rows dropped")
            } ?? "none"),
        ]
        if verify {
            try reader.verify()
            lines.append("checksums: all \(m.shards.count) shards verified")
        }
        if classes {
            lines.append("id\tname\trows\tremoved")
            lines += m.classes.map { "\($0.id)\t\($0.name)\t\($0.rows)\t\($0.removed)" }
        }
        try console.print(lines.joined(separator: "\n"))
        if list { try listRows(reader, console: console) }
    }

    /// `index info --list`: every live row as `row<TAB>id<TAB>class`, shard by shard (rows of removed classes
    /// left out until `compact` renumbers them).
    static func listRows(_ reader: ShardedIndexReader, console: Console) throws {
        try console.print("row\tid\tclass")
        let classes = reader.manifest.classes
        var row = 0
        for shard in reader.manifest.shards.indices {
            let ids = try reader.ids(ofShard: shard)
            let labels = try reader.labels(ofShard: shard)
            var text = ""
            for (id, label) in zip(ids, labels) {
                // Labels are checked against the class table as they are read.
                let entry = classes[Int(label)]
                if !entry.removed { text += "\(row)\t\(id)\t\(entry.name)\n" }
                row += 1
            }
            try console.output.write(text)
        }
    }

    /// `cbr index remove`: the named classes masked (searches skip them at once).
    public static func removeClasses(_ names: [String], index: URL, console: Console) throws {
        let writer = try IndexWriter.open(at: index)
        for name in names {
            try writer.removeClass(named: name)
            try console.print("removed class \"\(name)\"")
        }
    }

    /// `cbr index compact`: shards holding removed rows rewritten without them; with `byClass`, every
    /// shard rewritten class-contiguously, with a per-class row-range table (docs/routing.md).
    public static func compactIndex(_ index: URL, byClass: Bool = false, console: Console) throws {
        let writer = try IndexWriter.open(at: index)
        let before = writer.manifest.rowCount
        if byClass { try writer.compactByClass() } else { try writer.compact() }
        try console.print("compacted\(byClass ? " by class" : ""): \(before) → \(writer.manifest.rowCount) rows in \(writer.manifest.shards.count) shards")
    }

    /// `cbr index whiten`: a projection learned from the index's rows and every shard rewritten through it;
    /// with `drop`, the original rows a whitening kept are deleted instead.
    public static func whitenIndex(_ index: URL, recipe: WhiteningRecipe, drop: Bool, console: Console) throws {
        let writer = try IndexWriter.open(at: index)
        if drop {
            let kept = writer.manifest.projection?.raw?.count ?? 0
            try writer.dropOriginals()
            try console.print(kept > 0 ? "dropped the original rows (\(kept) shards)" : "no original rows kept: nothing to drop")
            return
        }
        let clock = Date()
        let before = writer.manifest.embeddingDimension
        try writer.whiten(recipe)
        try console.print("whitened (\(recipe.method.rawValue)): \(writer.manifest.rowCount) rows, d = \(before) → \(writer.manifest.dimension) "
            + "in \(String(format: "%.1f", Date().timeIntervalSince(clock))) s; originals kept (whiten --drop deletes them)")
    }

    /// `cbr index dba`: every row replaced by the weighted mean of its best neighbours (crash-safe rewrite).
    public static func augmentIndex(_ index: URL, neighbours: Int, alpha: Float, threads: Int, console: Console) throws {
        let writer = try IndexWriter.open(at: index)
        let clock = Date()
        let rows = try writer.augment(neighbours: neighbours, alpha: alpha, threads: threads)
        try console.print("augmented \(rows) rows (each the weighted mean of its \(neighbours) best neighbours, α = \(alpha)) "
            + "in \(String(format: "%.1f", Date().timeIntervalSince(clock))) s")
    }
}

extension Commands {
    /// `cbr index add --pseudo-label DIR`: the confident photos added to their predicted classes.
    public static func pseudoLabel(_ inputs: [String], index: URL, model: URL?, options: PseudoLabels.Options,
                                   console: Console) throws {
        let summary = try PseudoLabels.run(inputs, index: index, model: model, options: options) { try console.failure($0) }
        try report(summary.build?.skipped ?? [], on: console)
        try console.print(summary.report)
    }

    /// Id lists (`index remove --from-file`) are small text files; a larger one is a mistake (a wrong path).
    static let maxIDListBytes = 256 << 20

    /// The ids listed one per line in `path` (`index remove --from-file`).
    public static func idList(_ path: String) throws -> [String] {
        try SmallFile.lines(path, limit: maxIDListBytes, what: "id list")
    }

    /// `cbr index remove --image ID …`: the rows with these ids dropped at once (the shards holding them
    /// rewritten, crash-safe; class counts and prototype sums lose exactly those rows). An id the index does not
    /// hold is a failure naming it (exit 1); the others are still removed.
    public static func removeImages(_ ids: [String], index: URL, console: Console) throws {
        let writer = try IndexWriter.open(at: index)
        let held = Set(try ShardedIndexReader(directory: index, manifest: writer.manifest).allIDs())
        var wanted = Set<String>()
        for id in ids where wanted.insert(id).inserted && !held.contains(id) {
            try console.failure(path: id, reason: "no such image in the index (ids as `index info --list` prints them)")
        }
        wanted.formIntersection(held)
        let removed = wanted.isEmpty ? 0 : try writer.removeRows(where: { wanted.contains($0) })
        try console.print("removed \(removed) images; index: \(writer.manifest.liveRowCount) live rows")
    }

    /// `cbr index remove --pseudo`: every pseudo-labelled row dropped (shards holding them rewritten).
    public static func removePseudoLabels(index: URL, console: Console) throws {
        let writer = try IndexWriter.open(at: index)
        let removed = try writer.removeRows { $0.hasPrefix(PseudoLabels.idPrefix) }
        try console.print("removed \(removed) pseudo-labelled rows; index: \(writer.manifest.liveRowCount) live rows")
    }
}
