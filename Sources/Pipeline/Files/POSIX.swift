import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every C file-system call of the pipeline, wrapped once: paths are raw bytes (names are kept exactly as
/// they are on disk, UTF-8 or not) and failures are an errno.
enum POSIX {
    /// What a path names.
    enum Kind: Sendable { case regular, directory, symlink, other }

    struct Status: Sendable {
        var kind: Kind
        /// The (device, inode) pair: one real file or directory, whatever the path that reached it.
        var identity: FileIdentity
        var size: Int
    }

    /// A plain reason for an errno, as cbr prints it.
    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES, EPERM: return "permission denied"
        case ELOOP: return "symlink loop"
        case EISDIR: return "is a directory"
        case ENOTDIR: return "not a directory"
        case ENOSPC: return "No space left on device"
        case EPIPE: return "broken pipe"
        default: return String(cString: strerror(code))
        }
    }

    static func withCPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (path + [0]).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    private static func status(_ info: stat) -> Status {
        let kind: Kind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        return Status(kind: kind, identity: FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)),
                      size: Int(info.st_size))
    }

    /// The status of `path` itself (a symlink is reported as one).
    static func linkStatus(_ path: [UInt8]) -> Result<Status, FileError> {
        var info = stat()
        let result = withCPath(path) { lstat($0, &info) }
        return result == 0 ? .success(status(info)) : .failure(FileError(errno))
    }

    /// The status of what `path` leads to (symlinks followed).
    static func targetStatus(_ path: [UInt8]) -> Result<Status, FileError> {
        var info = stat()
        let result = withCPath(path) { stat($0, &info) }
        return result == 0 ? .success(status(info)) : .failure(FileError(errno))
    }

    /// The names in directory `path`, `.` and `..` left out, in no particular order.
    static func entries(of path: [UInt8]) throws(FileError) -> [[UInt8]] {
        guard let directory = withCPath(path, { opendir($0) }) else { throw FileError(errno) }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw FileError(errno) }
                return names
            }
            // d_name is NUL-terminated; the bytes after the NUL are not initialized, so only strlen reads it.
            let name = UnsafeMutableRawPointer(entry).advanced(by: MemoryLayout<dirent>.offset(of: \dirent.d_name)!)
                .withMemoryRebound(to: CChar.self, capacity: 1) { text in
                    Array(UnsafeRawBufferPointer(start: text, count: strlen(text)))
                }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
        }
    }

    /// Opens `path` for reading without blocking on a FIFO or a device; refuses anything but a regular file.
    static func openRegularFile(_ path: [UInt8]) throws(FileError) -> (descriptor: Int32, size: Int) {
        let fd = withCPath(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { throw FileError(errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw FileError(code)
        }
        let found = status(info)
        guard found.kind == .regular else {
            _ = Glibc.close(fd)
            throw found.kind == .directory ? FileError(EISDIR) : FileError(reason: "not a regular file")
        }
        return (fd, found.size)
    }

    /// Up to `count` bytes at `offset` of `fd` (fewer only at the end of the file).
    static func read(_ fd: Int32, count: Int, at offset: Int) throws(FileError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(errno)
            }
            if n == 0 { break }
            done += n
        }
        return done == count ? bytes : Array(bytes.prefix(done))
    }

    /// Writes all of `bytes` to `fd`.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(FileError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(errno)
            }
            done += n
        }
    }

    /// Creates a new file (never an existing one) for writing, mode 0644.
    static func createExclusive(_ path: [UInt8]) throws(FileError) -> Int32 {
        let fd = withCPath(path) { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw FileError(errno) }
        return fd
    }

    static func sync(_ fd: Int32) throws(FileError) {
        guard fsync(fd) == 0 else { throw FileError(errno) }
    }

    static func close(_ fd: Int32) throws(FileError) {
        guard Glibc.close(fd) == 0 else { throw FileError(errno) }
    }

    static func rename(_ from: [UInt8], to: [UInt8]) throws(FileError) {
        let result = withCPath(from) { source in withCPath(to) { Glibc.rename(source, $0) } }
        guard result == 0 else { throw FileError(errno) }
    }

    static func unlink(_ path: [UInt8]) {
        _ = withCPath(path) { Glibc.unlink($0) }
    }

    static var processID: Int32 { getpid() }

    /// A write to a closed pipe then fails with EPIPE (reported) instead of killing the process unannounced.
    static func ignoreBrokenPipes() { _ = signal(SIGPIPE, SIG_IGN) }

    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    // MARK: - Temporary files removed on SIGTERM, SIGINT and SIGHUP

    /// Registers `path` (a temporary output) so that a terminating signal unlinks it before the process
    /// ends; returns its slot for `forgetOnSignal`, or nil when every slot is taken (the file is then only
    /// removed by an orderly exit). The first call installs the handlers.
    static func unlinkOnSignal(_ path: [UInt8]) -> Int? {
        SignalCleanup.install()
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: path.count + 1)
        for (i, byte) in path.enumerated() { copy[i] = CChar(bitPattern: byte) }
        copy[path.count] = 0
        for slot in 0..<SignalCleanup.capacity where SignalCleanup.claim(slot, copy) { return slot }
        copy.deallocate()
        return nil
    }

    /// The temporary file in `slot` was renamed or removed: a signal no longer unlinks it. The path's copy
    /// is kept (a handler running on another thread may be reading it).
    static func forgetOnSignal(_ slot: Int) { SignalCleanup.release(slot) }
}

/// A fixed table of C paths a terminating signal unlinks (mpirun ends the ranks of a failed job with
/// SIGTERM; a user with ^C). The handler only reads the table and calls unlink(2), both safe in a signal
/// handler, then lets the signal end the process as it would have.
private enum SignalCleanup {
    static let capacity = 64
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        table.initialize(repeating: nil, count: capacity)
        return table
    }()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    static func install() {
        lock.lock(); defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        _ = slots  // initialized before any handler can read it
        for sig in [SIGTERM, SIGINT, SIGHUP] { _ = signal(sig, handle) }
    }

    static func claim(_ slot: Int, _ path: UnsafeMutablePointer<CChar>) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard slots[slot] == nil else { return false }
        slots[slot] = path
        return true
    }

    static func release(_ slot: Int) {
        lock.lock(); defer { lock.unlock() }
        slots[slot] = nil
    }

    private static let handle: @convention(c) (Int32) -> Void = { sig in
        for slot in 0..<SignalCleanup.capacity {
            if let path = SignalCleanup.slots[slot] { _ = Glibc.unlink(path) }
        }
        _ = signal(sig, SIG_DFL)
        _ = raise(sig)
    }
}

/// One real file or directory: its device and inode numbers.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
}

/// A failed file-system call: the plain reason (from errno, or cbr's own).
struct FileError: Error, Sendable {
    var code: Int32
    var reason: String

    init(_ code: Int32) {
        self.code = code
        reason = POSIX.reason(code)
    }

    init(reason: String) {
        code = 0
        self.reason = reason
    }

    var alreadyExists: Bool { code == EEXIST }
    /// No such file (or a dangling symlink).
    var isMissing: Bool { code == ENOENT }
    /// A symlink loop, or a directory that may not be read: worth listing wherever it is met.
    var isWalkFailure: Bool { code == ELOOP || code == EACCES || code == EPERM }
}
