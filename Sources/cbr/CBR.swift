import ArgumentParser
import CLI
import Pipeline

@main
struct CBR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cbr",
        abstract: "Classification by retrieval: embed photos, index them by class, classify new ones.",
        discussion: """
            Exit codes: 0 when every input succeeded, 1 when some inputs failed (each listed on stderr as \
            `cbr: <file>: <reason>`), 2 on a usage or fatal error (one line on stderr).
            """,
        version: "0.1.0",
        subcommands: [ModelCommand.self, EmbedCommand.self, PredictCommand.self, IndexCommand.self,
                      SearchCommand<LocalHost>.self, ClassifyCommand<LocalHost>.self, EvalCommand<LocalHost>.self,
                      ServeCommand.self, ReportCommand.self, ExportCommand.self, HeadCommand.self, SuggestCommand.self,
                      DemoCommand.self]
    )

    static func main() async { await CommandLineMain.run(CBR.self) }
}
