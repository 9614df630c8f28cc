/// The body of each cbr command, one function per command (the executable parses arguments and calls
/// one of these). Results go to the console's standard output, each failed input is one line on its
/// standard error (`Console.failure`, exit code 1), and a thrown error ends the command (exit code 2).
public enum Commands {
    /// Lists `problems` as failed inputs.
    static func report(_ problems: [Dataset.Problem], on console: Console) throws {
        for problem in problems { try console.failure(problem) }
    }
}
