import ArgumentParser

@main
struct CBR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cbr",
        abstract: "Classification by retrieval: embed photos, index them by class, classify new ones.",
        discussion: """
            Exit codes: 0 when every input succeeded, 1 when some inputs failed (each listed on \
            stderr with its reason), 2 on a usage or fatal error.
            """,
        version: "0.1.0",
        subcommands: [ModelCommand.self, IndexCommand.self, SearchCommand.self]
    )
}
