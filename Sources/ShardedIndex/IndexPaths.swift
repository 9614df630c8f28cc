import Foundation

/// The names an index directory may hold (docs/FORMAT.md, "Paths"), and the rules that keep every read,
/// write and delete inside it: a manifest path must be one of the writer's own names (`shards/NNNNNN.h5`,
/// `prototypes-NNNNNN.h5`), must not lead outside the index through a symbolic link, and cleaning only
/// ever unlinks files with the writer's names, never a directory and never through a link.
enum IndexPaths {
    static let shardsFolder = "shards"

    /// The number in a shard path `shards/NNNNNN.h5` (six or more digits), or nil for any other path.
    static func shardNumber(_ path: String) -> Int? {
        guard path.hasPrefix(shardsFolder + "/") else { return nil }
        return number(String(path.dropFirst(shardsFolder.count + 1)), prefix: "", suffix: ".h5")
    }

    /// The generation in a prototypes name `prototypes-NNNNNN.h5`, or nil for any other name.
    static func prototypesNumber(_ name: String) -> Int? { number(name, prefix: "prototypes-", suffix: ".h5") }

    /// The generation in a class-ranges name `classes-NNNNNN.h5`, or nil for any other name.
    static func classRangesNumber(_ name: String) -> Int? { number(name, prefix: "classes-", suffix: ".h5") }

    /// The generation in a projection name `projection-NNNNNN.h5`, or nil for any other name.
    static func projectionNumber(_ name: String) -> Int? { number(name, prefix: "projection-", suffix: ".h5") }

    /// The decimal number between `prefix` and `suffix` (at least six digits), or nil.
    private static func number(_ name: String, prefix: String, suffix: String) -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.count >= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// `directory` with symbolic links resolved (itself when it cannot be resolved yet).
    static func root(_ directory: URL) -> String { Durability.realPath(directory) ?? directory.standardizedFileURL.path }

    /// Whether `url`, once symbolic links are resolved, is `root` or inside it. A path that does not exist
    /// is judged by its nearest existing ancestor (nothing beyond it can be followed).
    static func isInside(_ url: URL, root: String) -> Bool {
        var probe = url
        while Durability.realPath(probe) == nil, probe.pathComponents.count > 1 { probe.deleteLastPathComponent() }
        guard let resolved = Durability.realPath(probe) else { return false }
        return resolved == root || resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// Throws unless the index's `shards/` folder (when present) resolves inside the index.
    static func checkLayout(_ directory: URL) throws {
        let shards = directory.appendingPathComponent(shardsFolder)
        guard Durability.kind(shards) != .missing else { return }
        guard isInside(shards, root: root(directory)) else {
            throw IndexError.corruptIndex(shards, "leads outside the index (a symbolic link to another directory)")
        }
    }

    /// Checks every path `manifest` names (name rules, then symbolic links); `url` is the manifest's.
    static func check(_ manifest: Manifest, in directory: URL, manifestURL url: URL) throws {
        try checkLayout(directory)
        let root = root(directory)
        for file in manifest.listedFiles where !isInside(directory.appendingPathComponent(file), root: root) {
            throw IndexError.corruptIndex(url, "\"\(file)\" leads outside the index")
        }
    }

    // MARK: - Cleaning

    /// Whether `name` in `shards/` is one the writer creates: `NNNNNN.h5` or `NNNNNN.h5.partial`.
    static func isWriterShardName(_ name: String) -> Bool {
        let base = name.hasSuffix(".partial") ? String(name.dropLast(".partial".count)) : name
        return shardNumber(shardsFolder + "/" + base) != nil
    }

    /// Whether `name` at the index root is one the writer creates and may delete as a leftover.
    static func isWriterTopName(_ name: String) -> Bool {
        let base = name.hasSuffix(".partial") ? String(name.dropLast(".partial".count)) : name
        return prototypesNumber(base) != nil || classRangesNumber(base) != nil || projectionNumber(base) != nil || name == ".\(Manifest.fileName).tmp"
    }

    /// Unlinks the files of the index the manifest does not list, among the names the writer creates.
    /// Directories, other names and a symbolically linked `shards/` are left alone.
    static func removeLeftovers(_ directory: URL, listed: Set<String>) {
        let fm = FileManager.default
        let shards = directory.appendingPathComponent(shardsFolder)
        if Durability.kind(shards) == .directory {
            for name in (try? fm.contentsOfDirectory(atPath: shards.path)) ?? []
            where isWriterShardName(name) && !listed.contains(shardsFolder + "/" + name) {
                removeFile(shards.appendingPathComponent(name))
            }
        }
        for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
        where isWriterTopName(name) && !listed.contains(name) {
            removeFile(directory.appendingPathComponent(name))
        }
    }

    /// Unlinks `file`, a path a (validated) manifest listed, when it still has one of the writer's names.
    static func removeListed(_ file: String, in directory: URL) {
        guard shardNumber(file) != nil || prototypesNumber(file) != nil || classRangesNumber(file) != nil
                || projectionNumber(file) != nil else { return }
        removeFile(directory.appendingPathComponent(file))
    }

    /// Unlinks `url` when it is a file or a symbolic link (the link, not its target).
    static func removeFile(_ url: URL) {
        switch Durability.kind(url) {
        case .file, .symlink: Durability.unlinkFile(url)
        case .missing, .directory, .other: break
        }
    }
}

extension Manifest {
    /// Every file this manifest lists: its shards, its prototypes file, its class-ranges file, and its
    /// projection file with the unprojected shards it keeps.
    var listedFiles: Set<String> {
        Set(shards.map(\.file) + [prototypes?.file, byClass?.file, projection?.file].compactMap { $0 }
            + (projection?.raw?.map(\.file) ?? []))
    }
}
