import ArgumentParser
import Foundation
import Pipeline

/// The `main()` of both executables: parses the command line and runs the command with cbr's exit codes.
/// It exists because swift-argument-parser has no hook to change the exit code of a usage error (it exits
/// 64, EX_USAGE; cbr promises 2) nor to route its help text through a checked writer; the commands
/// themselves report through their `CommandHost`.
public enum CommandLineMain {
    public static func run<Root: ParsableCommand>(_ root: Root.Type) async -> Never {
        let console = Console.standard
        console.prefix = root.configuration.commandName ?? console.prefix
        do {
            var command = try root.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let exit as ExitCode {
            // From the host: whatever went wrong is already on stderr.
            Foundation.exit(exit.rawValue)
        } catch {
            if root.exitCode(for: error) == .success {
                do {
                    try console.print(root.fullMessage(for: error))
                    try console.finish()
                    Foundation.exit(0)
                } catch {
                    console.fatal(error)
                    Foundation.exit(2)
                }
            }
            let message = root.message(for: error).replacingOccurrences(of: "\n", with: " ")
            console.fatal(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message)
            Foundation.exit(2)
        }
    }
}
