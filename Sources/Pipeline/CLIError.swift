/// What a cbr command reports when it cannot go on: one line naming the file (or option) and the reason.
public enum CLIError: Error, CustomStringConvertible, Equatable {
    /// A bad option or argument (exit code 2, like any fatal error).
    case usage(String)
    /// An input file that cannot be used.
    case input(path: String, reason: String)
    /// An output that could not be written: a full disk, a closed pipe, no permission.
    case write(path: String, reason: String)

    public var description: String {
        switch self {
        case .usage(let message): return message
        case let .input(path, reason), let .write(path, reason): return "\(path): \(reason)"
        }
    }
}
