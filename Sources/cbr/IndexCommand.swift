import ArgumentParser
import CLI
import Pipeline

/// `cbr index …`: build, inspect and maintain a sharded index.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Create, inspect and maintain a sharded embedding index (see docs/FORMAT.md).",
        subcommands: [IndexBuild<LocalHost>.self, IndexAdd<LocalHost>.self, IndexImport.self, IndexInfo.self, IndexRemove.self, IndexCompact.self, IndexWhiten.self, IndexDBA.self]
    )
}

struct IndexInfo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Describe an index.")

    @OptionGroup var location: IndexLocation
    @Flag(help: "List every class with its row count.") var classes = false
    @Flag(help: "List every live row: row number, id (image path or external key) and class.") var list = false
    @Flag(help: "Read every shard and check its checksums.") var verify = false

    func run() throws {
        try runCommand { console in
            try Commands.describeIndex(location.url, classes: classes, verify: verify, list: list, console: console)
        }
    }
}

struct IndexRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove classes (masked at once; `compact` reclaims the space) or single images (their shards rewritten at once).")

    @Option(name: .customLong("class"), help: "A class name to remove (repeatable).") var names: [String] = []
    @Option(name: .customLong("image"), help: "An image to remove, by its id as `index info --list` prints it: the path it was indexed under (repeatable).")
    var images: [String] = []
    @Option(help: "Remove the images whose ids this file lists, one per line.") var fromFile: String?
    @Flag(help: "Remove every pseudo-labelled row (index add --pseudo-label); shards holding them are rewritten.") var pseudo = false
    @OptionGroup var location: IndexLocation

    func validate() throws {
        guard !names.isEmpty || !images.isEmpty || fromFile != nil || pseudo else {
            throw ValidationError("give at least one --class NAME, --image ID, --from-file FILE or --pseudo")
        }
    }

    func run() throws {
        try runCommand { console in
            if !names.isEmpty { try Commands.removeClasses(names, index: location.url, console: console) }
            if !images.isEmpty || fromFile != nil {
                let ids = try images + (fromFile.map(Commands.idList) ?? [])
                try Commands.removeImages(ids, index: location.url, console: console)
            }
            if pseudo { try Commands.removePseudoLabels(index: location.url, console: console) }
        }
    }
}

struct IndexCompact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite the shards that hold rows of removed classes without them (crash-safe).")

    @OptionGroup var location: IndexLocation
    @Flag(help: "Rewrite every shard class-contiguously with a per-class row-range table, for routed search (--route).")
    var byClass = false

    func run() throws {
        try runCommand { console in try Commands.compactIndex(location.url, byClass: byClass, console: console) }
    }
}
