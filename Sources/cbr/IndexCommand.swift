import ArgumentParser
import Foundation
import ShardedIndex

/// `cbr index …`: build, inspect and maintain a sharded index. (`build` and `add` from images join this group.)
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Create, inspect and maintain a sharded embedding index (see docs/FORMAT.md).",
        subcommands: [IndexBuild.self, IndexAdd.self, IndexImport.self, IndexInfo.self, IndexRemove.self, IndexCompact.self]
    )
}

extension ScalarType: ExpressibleByArgument {}

/// Error and note reporting shared by the index and search commands.
enum IndexCLI {
    /// Runs a command body; any error becomes one line on stderr and exit code 2.
    static func run(_ body: () throws -> Void) throws {
        do { try body() } catch let exit as ExitCode { throw exit } catch {
            FileHandle.standardError.write(Data("cbr: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("note: \(message)\n".utf8))
    }
}

struct IndexInfo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Describe an index.")

    @Argument(help: "The index directory.") var index: String
    @Flag(help: "List every class with its row count.") var classes = false
    @Flag(help: "Read every shard and check its checksums.") var verify = false

    func run() throws {
        try IndexCLI.run {
            let reader = try ShardedIndexReader(directory: URL(fileURLWithPath: index))
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
                "prototypes: " + (m.prototypes.map { "\($0.file), covers \($0.shards.count) of \(m.shards.count) shards" } ?? "none"),
            ]
            if verify {
                try reader.verify()
                lines.append("checksums: all \(m.shards.count) shards verified")
            }
            if classes {
                lines.append("id\tname\trows\tremoved")
                lines += m.classes.map { "\($0.id)\t\($0.name)\t\($0.rows)\t\($0.removed)" }
            }
            print(lines.joined(separator: "\n"))
        }
    }
}

struct IndexRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove classes: searches skip their rows at once; `compact` reclaims the space.")

    @Option(name: .customLong("class"), help: "A class name to remove (repeatable).") var names: [String] = []
    @Argument(help: "The index directory.") var index: String

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("give at least one --class NAME") }
    }

    func run() throws {
        try IndexCLI.run {
            let writer = try IndexWriter.open(at: URL(fileURLWithPath: index))
            for name in names {
                try writer.removeClass(named: name)
                print("removed class \"\(name)\"")
            }
        }
    }
}

struct IndexCompact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite the shards that hold rows of removed classes without them (crash-safe).")

    @Argument(help: "The index directory.") var index: String

    func run() throws {
        try IndexCLI.run {
            let writer = try IndexWriter.open(at: URL(fileURLWithPath: index))
            let before = writer.manifest.rowCount
            try writer.compact()
            print("compacted: \(before) → \(writer.manifest.rowCount) rows in \(writer.manifest.shards.count) shards")
        }
    }
}
