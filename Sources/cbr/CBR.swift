import ArgumentParser
import Foundation
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
        subcommands: [ModelCommand.self, EmbedCommand.self, PredictCommand.self, IndexCommand.self, SearchCommand.self,
                      ClassifyCommand.self, EvalCommand.self, DemoCommand.self]
    )

    /// Runs the command line with cbr's exit codes. This custom `main()` stays because swift-argument-parser
    /// has no hook to change the exit code of a usage error (it exits 64, EX_USAGE; cbr promises 2) nor to
    /// route its help text through a checked writer; the commands themselves report through `runCommand`.
    static func main() async {
        let console = Console.standard
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let exit as ExitCode {
            // From `runCommand`: whatever went wrong is already on stderr.
            Foundation.exit(exit.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                do {
                    try console.print(fullMessage(for: error))
                    try console.finish()
                    Foundation.exit(0)
                } catch {
                    console.fatal(error)
                    Foundation.exit(2)
                }
            }
            let message = message(for: error).replacingOccurrences(of: "\n", with: " ")
            console.fatal(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message)
            Foundation.exit(2)
        }
    }
}

/// cbr's one error path: runs a command body; each failed input was printed by the body as one line
/// `cbr: <file>: <reason>`; a thrown error is printed as one line `cbr: <file>: <reason>`. Exit code 0 when
/// all went well, 1 when some inputs failed, 2 when the command could not go on.
func runCommand(_ body: (Console) throws -> Void) throws {
    let console = Console.standard
    do {
        try body(console)
        try console.finish()
    } catch {
        console.fatal(error)
        throw ExitCode(2)
    }
    if console.failures > 0 { throw ExitCode(1) }
}
