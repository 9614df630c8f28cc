import Foundation

/// A request the server refuses: an HTTP status and a one-line reason, sent as `{"error": reason}`.
struct RequestError: Error, CustomStringConvertible {
    let status: Int
    let reason: String

    init(_ status: Int, _ reason: String) {
        self.status = status
        self.reason = reason.replacingOccurrences(of: "\n", with: " ")
    }

    var description: String { reason }

    static func badParameter(_ name: String, _ value: String, _ expected: String) -> RequestError {
        RequestError(400, "bad parameter \(name)=\(value): \(expected)")
    }
}
