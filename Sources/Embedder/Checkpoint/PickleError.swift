/// Why a pickle stream could not be decoded; `offset` is the byte position of the failing opcode.
public struct PickleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "pickle error at byte \(offset): \(reason)" }
}
