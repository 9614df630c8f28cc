import CHDF5
import Foundation

/// An HDF5 file, which is also its root group (`/`).
///
/// Durability: `flush()` asks HDF5 to write its buffers; to know the bytes are on disk, `close()` the file,
/// then call `H5File.fsync(path:)` on the file and on its directory before publishing it (e.g. by renaming
/// a manifest into place).
public final class H5File: H5Group, @unchecked Sendable {
    public enum Mode: Sendable {
        case readOnly, readWrite
    }

    /// Creates a file at `path`; an existing file is truncated when `overwrite`, else it is an error.
    public static func create(at path: String, overwrite: Bool = true) throws -> H5File {
        try locked {
            let site = Site(path: path, object: nil)
            let id = try CAPI.createFile(path, exclusive: !overwrite, site)
            return H5File(FileState(path: path, id: id, writable: true))
        }
    }

    public static func create(at url: URL, overwrite: Bool = true) throws -> H5File {
        try create(at: url.path, overwrite: overwrite)
    }

    /// Opens an existing HDF5 file. A missing file and a file that is not HDF5 get their own error kinds.
    public static func open(at path: String, mode: Mode = .readOnly) throws -> H5File {
        try locked {
            let site = Site(path: path, object: nil)
            guard FileManager.default.fileExists(atPath: path) else {
                throw site.error(.fileNotFound, "cannot open file", "no such file")
            }
            let signature = CAPI.isHDF5(path)
            if signature == 0 {
                throw site.error(.notHDF5, "cannot open file", "not an HDF5 file (no HDF5 signature)")
            }
            if signature < 0 {
                throw site.error(.fileNotFound, "cannot open file", "the file cannot be read")
            }
            let id = try CAPI.openFile(path, writable: mode == .readWrite, site)
            return H5File(FileState(path: path, id: id, writable: mode == .readWrite))
        }
    }

    public static func open(at url: URL, mode: Mode = .readOnly) throws -> H5File {
        try open(at: url.path, mode: mode)
    }

    private init(_ state: FileState) {
        // The file id belongs to `state`, which closes it; the root group needs no handle of its own.
        super.init(file: state, id: state.id, name: "/", close: nil)
    }

    /// Whether `close()` has not been called yet.
    public var isOpen: Bool { locked { file.isOpen } }

    public var mode: Mode { file.writable ? .readWrite : .readOnly }

    /// Writes HDF5's buffers for this file to the operating system.
    public func flush() throws {
        try withID("cannot flush file") { id in try CAPI.flushFile(id, Site(path: path, object: nil)) }
    }

    /// Closes the file and every group, dataset and attribute still open in it (using them afterwards throws
    /// a `.closed` error). Closing twice does nothing.
    public func close() throws {
        try locked {
            guard file.isOpen else { return }
            file.isOpen = false
            try CAPI.closeFile(file.id, Site(path: path, object: nil))
        }
    }

    /// Forces the bytes of the file (or the entries of the directory) at `path` to stable storage.
    public static func fsync(path: String) throws {
        try CAPI.fsync(path, Site(path: path, object: nil))
    }
}
