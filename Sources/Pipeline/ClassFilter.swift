import Foundation
import ShardedIndex

/// `--classes` / `--exclude-classes`: answers only from some of the index's classes. The filter becomes
/// a class mask added to the removed classes' (`LabelMask`), so the search itself skips the other
/// classes' rows: each query still gets its k best neighbours, all from the allowed classes.
public struct ClassFilter: Sendable, Hashable {
    /// The classes answers may come from (nil: every live class).
    public var only: [String]?
    /// Classes answers never come from.
    public var except: [String]

    public init(only: [String]? = nil, except: [String] = []) {
        self.only = only
        self.except = except
    }

    public var isEmpty: Bool { only == nil && except.isEmpty }

    /// Class names from an option's value: the lines of FILE when `argument` names a file (blank lines
    /// skipped), else the comma-separated names (`a,b,c`). Names are trimmed of surrounding spaces.
    public static func names(_ argument: String, option: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        let list: [Substring]
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue {
            list = try SmallFile.lines(argument, limit: Self.maxFileBytes, what: "class list (\(option))").map { Substring($0) }
        } else {
            list = argument.split(separator: ",")
        }
        let names = list.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw CLIError.usage("\(option) names no class") }
        return names
    }

    /// Class lists are small text files; a larger one is a mistake (a wrong path).
    static let maxFileBytes = 64 << 20

    /// The mask of `manifest`'s classes to skip: its removed classes, those not in `only`, those in
    /// `except`. A name that is not a live class of the index is a usage error naming it, and so is a
    /// filter that leaves no class.
    public func mask(for manifest: Manifest) throws -> LabelMask {
        var removed = manifest.removedMask
        guard !isEmpty else { return LabelMask(removed: removed) }
        // The live class of each name (the last one, as `Manifest.classID(named:)`), looked up once.
        var live: [String: Int] = [:]
        for entry in manifest.classes where !entry.removed && Int(entry.id) < removed.count { live[entry.name] = Int(entry.id) }
        func ids(_ names: [String], _ option: String) throws -> [Int] {
            try names.map { name in
                guard let id = live[name] else {
                    throw CLIError.usage("\(option): unknown class '\(name)' (not a class of the index)")
                }
                return id
            }
        }
        if let only {
            let kept = Set(try ids(only, "--classes"))
            for id in removed.indices where !kept.contains(id) { removed[id] = true }
        }
        for id in try ids(except, "--exclude-classes") { removed[id] = true }
        guard removed.contains(false) else { throw CLIError.usage("the class filter leaves no class to answer from") }
        return LabelMask(removed: removed)
    }
}
