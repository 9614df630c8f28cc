import Foundation

extension Dataset {
    /// Lists `<root>/<class>/<…>/<image>`, classes and files in byte order, walked by `ImageWalker`'s
    /// rules. Images lying directly in `root` belong to no class, and unreadable entries cannot be listed:
    /// both are reported in `problems`.
    public static func classFolders(at root: URL) throws -> Dataset {
        try classFolders(at: DiskPath(url: root))
    }

    public static func classFolders(at root: DiskPath) throws -> Dataset {
        let rootIdentity: FileIdentity
        switch POSIX.targetStatus(root.bytes) {
        case .failure(let error) where error.isMissing:
            throw PipelineError(file: root.description, reason: .noSuchDirectory)
        case .failure(let error):
            throw PipelineError(file: root.description, reason: .unusable(error.reason))
        case .success(let status) where status.kind != .directory:
            throw PipelineError(file: root.description, reason: .notADirectory)
        case .success(let status):
            rootIdentity = status.identity
        }
        var problems: [Problem] = []
        // Each real directory is one class at most: the first entry (in byte order) reaching it names it,
        // and no class walk enters the root or another class's folder.
        var visited: Set<FileIdentity> = [rootIdentity]
        var classes: [DiskPath] = []
        for (path, target) in ImageWalker.visibleEntries(of: root, problems: &problems) {
            guard case .success(let status) = target, status.kind == .directory else {
                if ImageWalker.extensions.contains(path.lowercasedExtension) {
                    problems.append(Problem(path: path.description, reason: "not inside a class folder"))
                } else if case .failure(let error) = target, error.isWalkFailure {
                    problems.append(Problem(path: path.description, reason: error.reason))
                }
                continue
            }
            if visited.insert(status.identity).inserted { classes.append(path) }
        }
        var classNames: [String] = []
        var items: [Item] = []
        for path in classes {
            let label = Int32(classNames.count)
            let name = String(decoding: path.name, as: UTF8.self)
            classNames.append(name)
            let prefix = path.bytes.count + 1
            for file in ImageWalker.files(inside: path, visited: &visited, problems: &problems) {
                let relative = String(decoding: file.bytes[prefix...], as: UTF8.self)
                items.append(Item(file: file, key: name + "/" + relative, label: label))
            }
        }
        return Dataset(classNames: classNames, items: items, problems: problems)
    }

    /// Lists image files for classification by `ImageWalker`'s rules: each argument a file (tried whatever
    /// its name) or a directory searched recursively. Keys are the paths as given (directory + relative
    /// path); inputs that cannot be used are in `problems`.
    public static func unlabelled(_ paths: [String]) -> Dataset {
        let listing = ImageWalker.expand(paths)
        return Dataset(classNames: [], items: listing.files.map { Item(file: $0, key: $0.description, label: nil) },
                       problems: listing.problems)
    }
}
