import HDF5

/// An output file written under a temporary name in its own directory and renamed to its name only when
/// complete, so a failed run leaves no partial file (and an older file of that name stays as it was).
public final class AtomicOutput {
    public let path: DiskPath
    /// Where the data goes until `commit()`.
    public let temporary: DiskPath
    private var descriptor: Int32?
    private var finished = false
    /// The temporary file's slot in the table a terminating signal cleans (POSIX.unlinkOnSignal).
    private var signalSlot: Int?

    /// Reserves the temporary name (created empty). `path` must not end in `/`.
    public init(_ path: String) throws {
        self.path = DiskPath(path)
        let name = self.path.name
        guard !name.isEmpty, self.path.bytes.last != UInt8(ascii: "/") else {
            throw CLIError.usage("\(path): an output file name is needed")
        }
        // The rename would replace whatever holds the name: a device such as /dev/null or /dev/full (as root,
        // the device node itself), a FIFO or a socket. Those are refused, as is a directory.
        if case .success(let status) = POSIX.linkStatus(self.path.bytes), status.kind == .other || status.kind == .directory {
            throw CLIError.write(path: path, reason: status.kind == .directory ? "is a directory"
                : "not a regular file (output is written under a temporary name and renamed into place)")
        }
        let directory = Array(self.path.bytes.dropLast(name.count))
        var attempt = 0
        while true {
            let suffix = ".tmp-\(POSIX.processID)-\(attempt)"
            let candidate = DiskPath(bytes: directory + [UInt8(ascii: ".")] + name + Array(suffix.utf8))
            do {
                descriptor = try POSIX.createExclusive(candidate.bytes)
                temporary = candidate
                signalSlot = POSIX.unlinkOnSignal(candidate.bytes)
                return
            } catch where error.alreadyExists && attempt < 100 {
                attempt += 1
            } catch {
                throw CLIError.write(path: path, reason: error.reason)
            }
        }
    }

    /// The temporary file as text, written through write(2).
    public func text() -> TextOutput {
        TextOutput(descriptor: descriptor ?? -1, name: path.description)
    }

    /// Closes the descriptor (for a library, e.g. HDF5, that writes the temporary file by its name).
    public func closeDescriptor() throws {
        guard let fd = descriptor else { return }
        descriptor = nil
        do { try POSIX.close(fd) } catch { throw CLIError.write(path: path.description, reason: error.reason) }
    }

    /// Flushes to disk and renames the file into place.
    public func commit() throws {
        do {
            if let fd = descriptor {
                descriptor = nil
                do {
                    try POSIX.sync(fd)
                } catch {
                    try? POSIX.close(fd)
                    throw error
                }
                try POSIX.close(fd)
            }
            try POSIX.rename(temporary.bytes, to: path.bytes)
            finished = true
            forgetSignalSlot()
        } catch let error as FileError {
            abandon()
            throw CLIError.write(path: path.description, reason: error.reason)
        }
    }

    /// Removes the temporary file (after a failure).
    public func abandon() {
        if let fd = descriptor { try? POSIX.close(fd) }
        descriptor = nil
        if !finished { POSIX.unlink(temporary.bytes) }
        finished = true
        forgetSignalSlot()
    }

    private func forgetSignalSlot() {
        if let slot = signalSlot { POSIX.forgetOnSignal(slot) }
        signalSlot = nil
    }

    deinit { abandon() }

    /// Runs `body` on a new output at `path` and commits it; on any failure the temporary file is removed.
    public static func write<T>(to path: String, _ body: (AtomicOutput) throws -> T) throws -> T {
        try commit(try AtomicOutput(path), body)
    }

    /// Runs `body` on `output` and commits it; on any failure the temporary file is removed.
    public static func commit<T>(_ output: AtomicOutput, _ body: (AtomicOutput) throws -> T) throws -> T {
        do {
            let value = try body(output)
            try output.commit()
            return value
        } catch let error as CLIError {
            output.abandon()
            throw error
        } catch {
            output.abandon()
            throw CLIError.write(path: output.path.description, reason: output.reason(error))
        }
    }

    /// One line for a library's write error (HDF5's names the temporary file): the system's message when it
    /// gives one ("No space left on device"), else its first line.
    func reason(_ error: any Error) -> String {
        if let failure = error as? HDF5Error, let system = failure.system { return system }
        let text = "\(error)"
        let line = text.split(separator: "\n").first.map(String.init) ?? text
        return line.replacingOccurrences(of: temporary.description, with: path.description)
    }
}
