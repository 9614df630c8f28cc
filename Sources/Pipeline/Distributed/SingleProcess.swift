import Foundation

/// The cluster of one: every collective is the identity, and messages a rank sends itself are queued.
public final class SingleProcess: Cluster {
    private var queue: [[UInt8]] = []

    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func barrier() throws {}
    public func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] { bytes }
    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] { [bytes] }
    public func gather(_ bytes: [UInt8], root: Int) throws -> [[UInt8]] { [bytes] }
    public func maximum(_ value: Int) throws -> Int { value }
    public func send(_ bytes: [UInt8], to destination: Int) throws { queue.append(bytes) }

    public func receive() throws -> (source: Int, bytes: [UInt8]) {
        guard let message = try poll() else { throw ClusterError.deadlock("receive with no message pending") }
        return message
    }

    public func poll() throws -> (source: Int, bytes: [UInt8])? {
        queue.isEmpty ? nil : (0, queue.removeFirst())
    }

    public func abort(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("cbr: \(message)\n".utf8))
        exit(code)
    }
}

/// A failure of the communication between ranks (under MPI, the library's own error string).
public enum ClusterError: Error, CustomStringConvertible, Equatable {
    /// An MPI call failed.
    case communication(call: String, detail: String)
    /// A message that does not decode as what the protocol expects.
    case malformedMessage(String)
    /// A call that could never complete (a single process waiting for itself).
    case deadlock(String)

    public var description: String {
        switch self {
        case let .communication(call, detail): "\(call) failed: \(detail)"
        case .malformedMessage(let detail): "malformed message between ranks: \(detail)"
        case .deadlock(let detail): "cluster: \(detail)"
        }
    }
}
