#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// File-system steps that make a write survive a crash: flush a file or directory to the disk, replace a
/// file atomically, hold the index's writer lock. The only place ShardedIndex makes these system calls.
enum Durability {
    /// fsync(2) on `url` (a file or a directory).
    static func sync(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw IndexError.io(url, "cannot open to sync: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw IndexError.io(url, "fsync failed: \(String(cString: strerror(errno)))") }
    }

    /// rename(2): atomic on POSIX file systems.
    static func rename(_ from: URL, to: URL) throws {
        guard Glibc.rename(from.path, to.path) == 0 else {
            throw IndexError.io(to, "rename from \(from.lastPathComponent) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `data` to a temporary sibling, fsyncs it, renames it over `url` and fsyncs the directory, so
    /// that after a crash `url` holds either its old or its new content, never a mix.
    static func replace(_ url: URL, with data: Data) throws {
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        IndexPaths.removeFile(temp)  // never write through a link someone left under the temporary name
        try create(temp, with: data)
        try rename(temp, to: url)
        try sync(url.deletingLastPathComponent())
    }

    /// Creates `url` (which must not exist; a symbolic link there is not followed), writes `data` and fsyncs
    /// it. A failure names the system's reason ("No space left on device") and removes the partial file.
    private static func create(_ url: URL, with data: Data) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IndexError.io(url, "cannot create: \(String(cString: strerror(errno)))") }
        var failure: String?
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count, failure == nil {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 { offset += written } else if written < 0 && errno == EINTR { continue } else {
                    failure = "cannot write: \(String(cString: strerror(written < 0 ? errno : EIO)))"
                }
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = "fsync failed: \(String(cString: strerror(errno)))" }
        if close(fd) != 0, failure == nil { failure = "cannot close: \(String(cString: strerror(errno)))" }
        if let failure {
            unlinkFile(url)
            throw IndexError.io(url, failure)
        }
    }

    /// Makes a finished file durable under its final name: fsync it, rename it, fsync the directory.
    static func publish(_ temp: URL, as url: URL) throws {
        try sync(temp)
        try rename(temp, to: url)
        try sync(url.deletingLastPathComponent())
    }
}

/// What a directory entry is, without following a symbolic link.
enum EntryKind { case missing, file, directory, symlink, other }

extension Durability {
    /// lstat(2): the entry itself, a symbolic link reported as such.
    static func kind(_ url: URL) -> EntryKind {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    /// realpath(3): the absolute path with every symbolic link resolved, or nil when it does not exist.
    static func realPath(_ url: URL) -> String? {
        guard let resolved = realpath(url.path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// unlink(2): removes one file or symbolic link (never a directory, never what a link points at).
    @discardableResult
    static func unlinkFile(_ url: URL) -> Bool { unlink(url.path) == 0 }

    /// The size in bytes of the file `url` points at, or nil.
    static func fileSize(_ url: URL) -> Int? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        return Int(exactly: info.st_size)
    }
}

/// An exclusive advisory lock (flock) on a file, released when the process ends, however it ends.
final class FileLock {
    private let fd: Int32

    /// `fd` is set only once the lock is held: a throw after that would run `deinit` as well, closing the
    /// descriptor a second time (by then perhaps another thread's file under the same number).
    init(_ url: URL) throws {
        let descriptor = open(url.path, O_RDWR | O_CREAT | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw IndexError.io(url, "cannot open lock file: \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw IndexError.busy(url.deletingLastPathComponent())
        }
        fd = descriptor
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
