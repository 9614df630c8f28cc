/// Text written to a file descriptor through write(2), buffered, every write checked: a full disk or a
/// closed pipe is an error naming the destination and the reason ("No space left on device"), never a trap.
public final class TextOutput: @unchecked Sendable {
    /// What messages call the destination: a path, or "standard output".
    public let name: String
    let descriptor: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int

    init(descriptor: Int32, name: String, capacity: Int = 1 << 16) {
        self.descriptor = descriptor
        self.name = name
        self.capacity = capacity
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { try flush() }
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        let failure = buffer.withUnsafeBytes { bytes -> FileError? in
            do {
                try POSIX.write(descriptor, bytes)
                return nil
            } catch {
                return error as? FileError ?? FileError(reason: "\(error)")
            }
        }
        if let failure { throw CLIError.write(path: name, reason: failure.reason) }
    }
}
