/// What the index's own writer and a rank's detached shard writer share: a batch of appended rows is
/// checked, then poured into the pending shard in pieces, and each time the shard is full its owner
/// writes it (`shardFilled`, which must leave `pending` empty).
protocol ShardFilling: AnyObject {
    var pending: PendingShard { get set }
    var rowsPerShard: Int { get }
    /// Labels must be below this.
    var classCount: Int { get }
    var renormalizedRows: Int { get set }
    func shardFilled() throws
}

extension ShardFilling {
    /// Appends `ids.count` rows (`rows` holds `ids.count × dimension` floats) of classes `classIDs`, with
    /// their content fingerprints when `sources` is given, L2-normalized on the way in; full shards go to
    /// `shardFilled` as they fill.
    func fill(rows: UnsafeBufferPointer<Float>, classIDs: [Int32], ids: [String], sources: [String]? = nil) throws {
        let d = pending.dimension
        guard rows.count == ids.count * d else {
            throw IndexError.badInput("append: \(rows.count) floats for \(ids.count) rows of dimension \(d)")
        }
        guard classIDs.count == ids.count else {
            throw IndexError.badInput("append: \(classIDs.count) labels for \(ids.count) rows")
        }
        if let sources, sources.count != ids.count {
            throw IndexError.badInput("append: \(sources.count) sources for \(ids.count) rows")
        }
        for id in classIDs where id < 0 || Int(id) >= classCount { throw IndexError.unknownClassID(id) }
        var start = 0
        while start < ids.count {
            let take = min(ids.count - start, rowsPerShard - pending.count)
            renormalizedRows += pending.append(rows, range: start..<(start + take),
                                               labels: classIDs[start..<(start + take)], ids: ids[start..<(start + take)],
                                               sources: sources?[start..<(start + take)])
            start += take
            if pending.count >= rowsPerShard { try shardFilled() }
        }
    }
}
