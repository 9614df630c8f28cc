import CHDF5

/// An open file, shared by every object opened from it. The file id is closed by `H5File.close()` (which,
/// with HDF5's "strong" close degree, closes the objects still open in it too) or when the last object of
/// the file is released. Mutable state is guarded by the library lock.
final class FileState: @unchecked Sendable {
    let path: String
    let id: hid_t
    let writable: Bool
    var isOpen = true

    init(path: String, id: hid_t, writable: Bool) {
        self.path = path
        self.id = id
        self.writable = writable
    }

    deinit {
        locked {
            if isOpen { try? CAPI.closeFile(id, Site(path: path, object: nil)) }
        }
    }
}

/// Something in an HDF5 file that has a name and attributes: the file itself (its root group), a group or
/// a dataset. Its handle is closed when the object is released, or with the whole file by `H5File.close()`.
/// Safe to share between threads: every HDF5 call goes through one library-wide lock.
public class H5Object: @unchecked Sendable {
    let file: FileState
    let id: hid_t
    private let closeID: ((hid_t) -> Void)?

    /// The object's absolute name inside the file, e.g. `/` or `/shards/embeddings`.
    public let name: String

    /// The file's path.
    public var path: String { file.path }

    init(file: FileState, id: hid_t, name: String, close: ((hid_t) -> Void)?) {
        self.file = file
        self.id = id
        self.name = name
        self.closeID = close
    }

    deinit {
        guard let closeID else { return }
        locked {
            if file.isOpen { closeID(id) }
        }
    }

    var site: Site { Site(path: file.path, object: name) }

    /// The absolute name of `child`, relative to this object unless it starts with `/`.
    func childName(_ child: String) -> String {
        if child.hasPrefix("/") { return child }
        return name == "/" ? "/" + child : name + "/" + child
    }

    /// Runs `body` with this object's id while holding the library lock, once the file is known to be open.
    func withID<R>(_ action: @autoclosure () -> String, _ body: (hid_t) throws -> R) throws -> R {
        try locked {
            guard file.isOpen else { throw site.error(.closed, action(), "the file was closed") }
            return try body(id)
        }
    }

    /// Throws unless the file was opened for writing.
    func requireWritable(_ action: String) throws {
        guard file.writable else { throw site.error(.invalidArgument, action, "the file is open read-only") }
    }
}
