import Foundation

/// Builds or extends an index: rows are appended in batches of any size, collected into a shard of at
/// most `shardSizeLimit` bytes of embeddings, and committed shard by shard (file written, fsynced,
/// renamed, then the manifest replaced atomically). A process killed at any point leaves the index as of
/// its last commit; reopening it with `open` cleans the leftovers and carries on (see `committedIDs`).
public final class IndexWriter {
    public static let defaultShardSizeLimit = 256 << 20

    public let directory: URL
    /// The committed state, plus classes created since the last commit.
    public private(set) var manifest: Manifest
    public let rowsPerShard: Int
    /// Rows appended so far whose norm was not 1 (they were normalized).
    public internal(set) var renormalizedRows = 0
    /// `nextShard` when this writer opened the index: shards other processes write for it (see `adopt`)
    /// are numbered from here, above every file the opening cleaned.
    public let firstNewShard: Int

    var pending: PendingShard
    private(set) var sums: PrototypeSums
    /// Live class name → id, so that naming a class costs a hash look-up, not a scan of the class table
    /// (rows are appended by class name, millions of times, over tens of thousands of classes).
    private var liveClassIDs: [String: Int32] = [:]
    private let lock: FileLock

    /// Starts a new, empty index in `directory` (created if needed; it must not already hold an index).
    public static func create(at directory: URL, dimension: Int, dtype: ScalarType = .float32,
                              model: Manifest.Model? = nil, descriptor: Manifest.Descriptor? = nil,
                              shardSizeLimit: Int = defaultShardSizeLimit) throws -> IndexWriter {
        guard dimension > 0 else { throw IndexError.badInput("dimension must be positive, got \(dimension)") }
        let fm = FileManager.default
        do { try fm.createDirectory(at: shardsDirectory(directory), withIntermediateDirectories: true) } catch {
            throw IndexError.io(directory, "cannot create: \(error.localizedDescription)")
        }
        try IndexPaths.checkLayout(directory)
        let lock = try FileLock(lockURL(directory))
        guard !fm.fileExists(atPath: Manifest.url(in: directory).path) else {
            throw IndexError.badInput("\(directory.path): already holds an index (use open to add to it)")
        }
        let manifest = Manifest(dimension: dimension, dtype: dtype, model: model, descriptor: descriptor)
        try manifest.save(to: directory)
        try Durability.sync(directory.deletingLastPathComponent())
        return IndexWriter(directory: directory, manifest: manifest, lock: lock,
                           sums: PrototypeSums(dimension: dimension), shardSizeLimit: shardSizeLimit)
    }

    /// Opens an existing index to add rows, after an orderly close or a crash: files the manifest does not
    /// list (a shard or prototypes file being written when the process died) are deleted.
    public static func open(at directory: URL, shardSizeLimit: Int = defaultShardSizeLimit) throws -> IndexWriter {
        let lock = try FileLock(lockURL(directory))
        let manifest = try Manifest.load(from: directory)
        IndexPaths.removeLeftovers(directory, listed: manifest.listedFiles)
        let sums = try PrototypeStore.load(directory, manifest)
        return IndexWriter(directory: directory, manifest: manifest, lock: lock, sums: sums, shardSizeLimit: shardSizeLimit)
    }

    /// `open` when `directory` holds an index, else `create`.
    public static func openOrCreate(at directory: URL, dimension: Int, dtype: ScalarType = .float32,
                                    model: Manifest.Model? = nil,
                                    shardSizeLimit: Int = defaultShardSizeLimit) throws -> IndexWriter {
        guard FileManager.default.fileExists(atPath: Manifest.url(in: directory).path) else {
            return try create(at: directory, dimension: dimension, dtype: dtype, model: model, shardSizeLimit: shardSizeLimit)
        }
        let writer = try open(at: directory, shardSizeLimit: shardSizeLimit)
        guard writer.manifest.dimension == dimension else {
            throw IndexError.dimensionMismatch(directory, expected: writer.manifest.dimension, found: dimension)
        }
        guard writer.manifest.dtype == dtype else {
            throw IndexError.dtypeMismatch(directory, expected: writer.manifest.dtype, found: dtype)
        }
        return writer
    }

    private init(directory: URL, manifest: Manifest, lock: FileLock, sums: PrototypeSums, shardSizeLimit: Int) {
        self.directory = directory
        self.manifest = manifest
        self.lock = lock
        self.sums = sums
        firstNewShard = manifest.nextShard
        rowsPerShard = max(1, shardSizeLimit / (manifest.dimension * manifest.dtype.byteWidth))
        pending = PendingShard(dimension: manifest.dimension, dtype: manifest.dtype, capacity: rowsPerShard)
        for entry in manifest.classes where !entry.removed { liveClassIDs[entry.name] = entry.id }
    }

    static func shardsDirectory(_ directory: URL) -> URL { directory.appendingPathComponent("shards") }
    static func lockURL(_ directory: URL) -> URL { directory.appendingPathComponent(".lock") }

    // MARK: - Classes

    /// The id of the live class `name`, creating it when there is none.
    public func classID(for name: String) -> Int32 {
        if let id = liveClassIDs[name] { return id }
        let id = Int32(manifest.classes.count)
        manifest.classes.append(Manifest.Class(id: id, name: name, removed: false, rows: 0))
        liveClassIDs[name] = id
        return id
    }

    // MARK: - Rows

    /// Appends `ids.count` rows (`rows` holds `ids.count × dimension` floats) of the given classes.
    /// Rows are L2-normalized on the way in. Full shards are committed as they fill.
    public func append(rows: UnsafeBufferPointer<Float>, classNames: [String], ids: [String]) throws {
        try append(rows: rows, classIDs: classNames.map { classID(for: $0) }, ids: ids)
    }

    /// The same by class id, with each row's content fingerprint when `sources` is given.
    public func append(rows: UnsafeBufferPointer<Float>, classIDs: [Int32], ids: [String], sources: [String]? = nil) throws {
        try fill(rows: rows, classIDs: classIDs, ids: ids, sources: sources)
    }

    /// Rows appended but not yet committed.
    public var pendingRows: Int { pending.count }

    /// Commits the rows appended so far as one shard (nothing to do when there are none, unless
    /// `allowEmpty`, which writes a shard of zero rows).
    public func commit(allowEmpty: Bool = false) throws {
        guard !pending.isEmpty || allowEmpty else { return }
        let name = IndexPaths.shardName(manifest.nextShard)
        let entry = try pending.write(named: name, in: directory)
        pending.withBlock { sums.add($0) }
        var next = manifest
        next.shards.append(entry)
        next.rowCount += entry.rows
        next.nextShard += 1
        for label in pending.labels { next.classes[Int(label)].rows += 1 }
        pending.removeAll()
        try publish(next, withPrototypes: Self.prototypesDue(next, after: entry))
    }

    /// Rewriting the prototypes costs classes × d floats: it is due when that is no more than the shard just
    /// written (and always at `finish`). Readers add the shards the file does not cover yet.
    static func prototypesDue(_ next: Manifest, after entry: Manifest.Shard) -> Bool {
        next.classes.count * next.dimension * 4 <= max(entry.rows, 1) * next.dimension * next.dtype.byteWidth
    }

    /// Commits the pending rows and brings the prototypes up to date. The writer stays usable.
    public func finish() throws {
        try commit()
        if manifest.prototypes?.shards != manifest.shards.map(\.file) || manifest.prototypes == nil {
            try publish(manifest, withPrototypes: true)
        }
    }

    // MARK: - Maintenance

    /// Marks the live class `name` removed: its rows stay in the shards but searches skip them.
    public func removeClass(named name: String) throws {
        try finish()
        guard let id = liveClassIDs[name] else { throw IndexError.unknownClass(name) }
        var next = manifest
        next.classes[Int(id)].removed = true
        try publish(next, withPrototypes: false)
        liveClassIDs[name] = nil
    }

    /// Marks removed, in one commit, the live classes that hold no row: classes a build registered up front
    /// (so that class ids do not depend on which rank embeds what) whose every image then failed. Returns
    /// their names. Searches and `index info` then ignore them, as if they had never been created.
    @discardableResult
    public func removeEmptyClasses() throws -> [String] {
        try finish()
        let empty = manifest.classes.filter { !$0.removed && $0.rows == 0 }
        guard !empty.isEmpty else { return [] }
        var next = manifest
        for entry in empty {
            next.classes[Int(entry.id)].removed = true
            liveClassIDs[entry.name] = nil
        }
        try publish(next, withPrototypes: false)
        return empty.map(\.name)
    }

    /// Ids of every committed row, so that an interrupted bulk build can skip what is already in.
    public func committedIDs() throws -> Set<String> {
        var ids = Set<String>()
        for index in manifest.shards.indices { ids.formUnion(try ShardFile.readIDs(ShardRef(directory, manifest, index))) }
        return ids
    }

    /// Replaces the manifest with `next` (bumping its generation), writing a prototypes file first when asked.
    /// With `replacingShards`, also moves the sums to the new state and deletes files no longer listed.
    func publish(_ next: Manifest, withPrototypes: Bool, sums newSums: PrototypeSums? = nil) throws {
        var next = next
        next.generation += 1
        if let newSums { sums = newSums }
        let old = manifest
        if withPrototypes {
            next.prototypes = try PrototypeStore.write(sums, generation: next.generation,
                                                       shards: next.shards.map(\.file), in: directory)
        }
        try next.save(to: directory)
        manifest = next
        // Files the new manifest no longer lists are now leftovers.
        // Files the new manifest no longer lists are now leftovers (names the writer made; see IndexPaths).
        for file in old.listedFiles.subtracting(next.listedFiles) { IndexPaths.removeListed(file, in: directory) }
    }
}

extension IndexWriter: ShardFilling {
    var classCount: Int { manifest.classes.count }
    func shardFilled() throws { try commit() }
}
