import Foundation

extension Dataset {
    /// Lists `<root>/<class>/<…>/<file>`, classes and files in sorted order. Files lying directly in
    /// `root` belong to no class: they are reported in `problems`.
    public static func classFolders(at root: URL) throws -> Dataset {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw PipelineError(path: root.path, reason: "no such directory")
        }
        guard isDirectory.boolValue else {
            throw PipelineError(path: root.path, reason: "not a directory (a class-per-folder dataset is a directory)")
        }
        var classNames: [String] = []
        var items: [Item] = []
        var problems: [Problem] = []
        for entry in try sortedVisibleEntries(of: root) {
            let url = root.appendingPathComponent(entry)
            guard isDirectoryEntry(url) else {
                problems.append(Problem(path: url.path, reason: "not inside a class folder"))
                continue
            }
            let label = Int32(classNames.count)
            classNames.append(entry)
            for relative in try filesBelow(url) {
                items.append(Item(path: url.appendingPathComponent(relative).path,
                                  key: entry + "/" + relative, label: label))
            }
        }
        return Dataset(classNames: classNames, items: items, problems: problems)
    }

    /// Lists image files for classification: each argument is a file, or a directory searched recursively.
    /// Keys are the paths as given (directory + relative path).
    public static func unlabelled(_ paths: [String]) throws -> Dataset {
        var items: [Item] = []
        for path in paths {
            let url = URL(fileURLWithPath: path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw PipelineError(path: path, reason: "no such file or directory")
            }
            if isDirectory.boolValue {
                let prefix = path.hasSuffix("/") ? path : path + "/"
                for relative in try filesBelow(url) {
                    items.append(Item(path: prefix + relative, key: prefix + relative, label: nil))
                }
            } else {
                items.append(Item(path: path, key: path, label: nil))
            }
        }
        return Dataset(classNames: [], items: items)
    }
}

/// Regular files below `directory` (recursively, hidden entries skipped), as sorted relative paths.
func filesBelow(_ directory: URL) throws -> [String] {
    var result: [String] = []
    func walk(_ url: URL, _ prefix: String) throws {
        for entry in try sortedVisibleEntries(of: url) {
            let child = url.appendingPathComponent(entry)
            if isDirectoryEntry(child) {
                try walk(child, prefix + entry + "/")
            } else {
                result.append(prefix + entry)
            }
        }
    }
    try walk(directory, "")
    return result
}

private func sortedVisibleEntries(of directory: URL) throws -> [String] {
    do {
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { !$0.hasPrefix(".") }
            .sorted()
    } catch {
        throw PipelineError(path: directory.path, reason: "cannot list directory")
    }
}

private func isDirectoryEntry(_ url: URL) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
}
