/// Small input files read whole (a class list, an id list, a predictions file): regular files only (a FIFO
/// or a device fails at once, never blocks), the size checked against `limit` before anything is read.
enum SmallFile {
    /// The bytes of the file at `path`; `what` names it in the too-large error.
    static func bytes(_ path: String, limit: Int, what: String) throws -> [UInt8] {
        do {
            let (fd, size) = try POSIX.openRegularFile(DiskPath(argument: path).bytes)
            defer { try? POSIX.close(fd) }
            guard size <= limit else {
                throw CLIError.input(path: path, reason: "\(what) of \(size) bytes exceeds the \(limit) bytes allowed")
            }
            return try POSIX.read(fd, count: size, at: 0)
        } catch let error as FileError {
            throw CLIError.input(path: path, reason: error.reason)
        }
    }

    /// The non-empty lines of the file at `path` (`\n` or `\r\n` ends), as UTF-8 text.
    static func lines(_ path: String, limit: Int, what: String) throws -> [String] {
        try bytes(path, limit: limit, what: what).split(separator: UInt8(ascii: "\n")).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }.filter { !$0.isEmpty }
    }
}
