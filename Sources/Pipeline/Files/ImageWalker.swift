/// The one walker of image inputs, for every command that reads photos (embed, predict, classify, eval,
/// index build and add). Its rules:
/// - a file named on the command line is always tried, whatever its extension;
/// - a directory is searched recursively for `.jpg`, `.jpeg` and `.png` files (any case); other files are
///   ignored, and so are hidden entries (a leading `.`), files and directories alike;
/// - the files found under one directory are sorted by their path bytes; named inputs keep their order;
/// - a symlink to a directory is followed, but each real directory is walked at most once, so symlink
///   loops end and nothing is listed twice; file names are kept byte for byte (UTF-8 or not);
/// - what cannot be walked — a missing named input, an unreadable subdirectory, a dangling symlink or a
///   non-regular file with an image name, a symlink loop — is a problem listed with a plain reason.
public enum ImageWalker {
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    /// The files found, and the inputs that could not be used.
    public struct Listing: Sendable {
        public var files: [DiskPath] = []
        public var problems: [Dataset.Problem] = []
    }

    /// Expands command-line inputs: files as given, directories walked.
    public static func expand(_ inputs: [String]) -> Listing {
        var listing = Listing()
        var visited = Set<FileIdentity>()
        for input in inputs {
            let path = DiskPath(argument: input)
            switch POSIX.targetStatus(path.bytes) {
            case .failure(let error):
                listing.problems.append(problem(path, error))
            case .success(let status) where status.kind == .directory:
                var found: [DiskPath] = []
                walk(path, identity: status.identity, visited: &visited, files: &found, problems: &listing.problems)
                listing.files += found.sorted()
            case .success:
                listing.files.append(path)
            }
        }
        return listing
    }

    /// The image files inside `directory` (sorted by path bytes), whose own identity the caller has
    /// already claimed in `visited` (a class folder); other walks share `visited`.
    static func files(inside directory: DiskPath, visited: inout Set<FileIdentity>,
                      problems: inout [Dataset.Problem]) -> [DiskPath] {
        var found: [DiskPath] = []
        walkEntries(of: directory, visited: &visited, files: &found, problems: &problems)
        return found.sorted()
    }

    /// The visible entries of `directory`, sorted by name bytes, each with what it leads to.
    static func visibleEntries(of directory: DiskPath,
                               problems: inout [Dataset.Problem]) -> [(path: DiskPath, target: Result<POSIX.Status, FileError>)] {
        let names: [[UInt8]]
        do { names = try POSIX.entries(of: directory.bytes) } catch {
            problems.append(Dataset.Problem(path: directory.description, reason: error.reason))
            return []
        }
        return names.filter { $0.first != UInt8(ascii: ".") }
            .sorted { $0.lexicographicallyPrecedes($1) }
            .map { name in
                let path = directory.appending(name)
                return (path, POSIX.targetStatus(path.bytes))
            }
    }

    private static func walk(_ directory: DiskPath, identity: FileIdentity, visited: inout Set<FileIdentity>,
                             files: inout [DiskPath], problems: inout [Dataset.Problem]) {
        guard visited.insert(identity).inserted else { return }
        walkEntries(of: directory, visited: &visited, files: &files, problems: &problems)
    }

    private static func walkEntries(of directory: DiskPath, visited: inout Set<FileIdentity>,
                                    files: inout [DiskPath], problems: inout [Dataset.Problem]) {
        for (path, target) in visibleEntries(of: directory, problems: &problems) {
            let isImage = extensions.contains(path.lowercasedExtension)
            switch target {
            case .success(let status) where status.kind == .directory:
                walk(path, identity: status.identity, visited: &visited, files: &files, problems: &problems)
            case .success(let status) where status.kind == .regular:
                if isImage { files.append(path) }
            case .success:
                if isImage { problems.append(Dataset.Problem(path: path.description, reason: "not a regular file")) }
            case .failure(let error):
                if isImage || error.isWalkFailure {
                    problems.append(problem(path, error))
                }
            }
        }
    }

    /// The problem for a path whose target could not be reached; a dangling symlink says so.
    private static func problem(_ path: DiskPath, _ error: FileError) -> Dataset.Problem {
        if error.isMissing, case .success(let link) = POSIX.linkStatus(path.bytes), link.kind == .symlink {
            return Dataset.Problem(path: path.description, reason: "no such file (dangling symlink)")
        }
        return Dataset.Problem(path: path.description, reason: error.reason)
    }
}
