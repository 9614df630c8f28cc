import ArgumentParser
import Foundation

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
        subcommands: [ModelCommand.self, EmbedCommand.self, PredictCommand.self, IndexCommand.self, SearchCommand.self, ClassifyCommand.self, EvalCommand.self, DemoCommand.self]
    )

    /// Runs the command line, keeping cbr's exit codes: argument errors exit 2 (ArgumentParser's own
    /// default is 64), help and version exit 0 on stdout.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
