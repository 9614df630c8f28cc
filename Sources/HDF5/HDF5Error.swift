/// A failure of the HDF5 module: what was attempted, on which file and object, and why (for failures inside
/// the library, the messages of HDF5's error stack, outermost first).
public struct HDF5Error: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The file does not exist (or cannot be reached).
        case fileNotFound
        /// The file exists but is not an HDF5 file.
        case notHDF5
        /// The object (group, dataset, attribute) does not exist.
        case notFound
        /// A row range or index outside the dataset's extent.
        case outOfRange
        /// A buffer or value whose size does not match the dataset, attribute or selection.
        case shapeMismatch
        /// The stored type cannot be read or written as the requested one.
        case typeMismatch
        /// The file was closed before this operation.
        case closed
        /// An argument that cannot be honoured (bad shape, string too long, ...).
        case invalidArgument
        /// Any other failure reported by the HDF5 library.
        case library
    }

    public let kind: Kind
    /// The file's path.
    public let path: String
    /// The object's name inside the file, when the failure concerns one.
    public let object: String?
    /// What was attempted, e.g. "cannot open dataset".
    public let action: String
    /// Why it failed.
    public let message: String
    /// When a system call inside the library failed, the system's message for it ("No space left on
    /// device"): what a user needs to act on.
    public let system: String?

    public init(_ kind: Kind, path: String, object: String?, action: String, message: String, system: String? = nil) {
        self.kind = kind
        self.path = path
        self.object = object
        self.action = action
        self.message = message
        self.system = system
    }

    public var description: String {
        let what = object.map { "\(action) '\($0)'" } ?? action
        return "HDF5 error: \(path): \(what): \(message)"
    }
}

/// Where an operation happens, to name it in errors.
struct Site: Sendable {
    let path: String
    let object: String?

    func error(_ kind: HDF5Error.Kind, _ action: String, _ message: String, system: String? = nil) -> HDF5Error {
        HDF5Error(kind, path: path, object: object, action: action, message: message, system: system)
    }

    /// The same file, another object.
    func child(_ name: String) -> Site { Site(path: path, object: name) }
}
