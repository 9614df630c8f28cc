import CHDF5

/// A group: a directory of named groups and datasets. Names may be paths (`a/b/c`), relative to the group,
/// or absolute (`/a/b`).
public class H5Group: H5Object, @unchecked Sendable {
    /// Creates the group `name` (and any missing intermediate groups).
    @discardableResult
    public func createGroup(_ name: String) throws -> H5Group {
        let site = self.site.child(childName(name))
        return try withID("cannot create group") { loc in
            try requireWritable("cannot create group")
            let id = try CAPI.createGroup(loc, name, site)
            return H5Group(file: file, id: id, name: childName(name), close: CAPI.closeGroup)
        }
    }

    /// Opens the existing group `name`.
    public func group(_ name: String) throws -> H5Group {
        try withID("cannot open group") { loc in
            try require(name, is: .group, "cannot open group")
            let id = try CAPI.openGroup(loc, name, site.child(childName(name)))
            return H5Group(file: file, id: id, name: childName(name), close: CAPI.closeGroup)
        }
    }

    /// Opens the existing dataset `name`.
    public func dataset(_ name: String) throws -> H5Dataset {
        try withID("cannot open dataset") { loc in
            try require(name, is: .dataset, "cannot open dataset")
            let id = try CAPI.openDataset(loc, name, site.child(childName(name)))
            return H5Dataset(file: file, id: id, name: childName(name), close: CAPI.closeDataset)
        }
    }

    /// Whether `name` (a path of any depth) leads to an object.
    public func contains(_ name: String) throws -> Bool {
        try kind(of: name) != nil
    }

    /// What `name` (a path of any depth) is, or nil when there is nothing there.
    public func kind(of name: String) throws -> H5ObjectKind? {
        try withID("cannot look up '\(name)'") { loc in
            let site = self.site.child(childName(name))
            var prefix = name.hasPrefix("/") ? "/" : ""
            for component in name.split(separator: "/") {
                if !prefix.isEmpty && prefix != "/" {
                    // Links can only be looked up through groups.
                    guard try CAPI.objectKind(loc, prefix, site) == .group else { return nil }
                    prefix += "/"
                }
                prefix += component
                guard try CAPI.linkExists(loc, prefix, site) else { return nil }
            }
            return try CAPI.objectKind(loc, prefix.isEmpty ? "." : prefix, site)
        }
    }

    /// The names of this group's members (groups, datasets, ...), in name order.
    public func children() throws -> [String] {
        try withID("cannot list group") { loc in try CAPI.linkNames(loc, site) }
    }

    private func require(_ name: String, is expected: H5ObjectKind, _ action: String) throws {
        let found = try kind(of: name)
        guard found != expected else { return }
        let site = self.site.child(childName(name))
        guard let found else { throw site.error(.notFound, action, "no such object") }
        throw site.error(.typeMismatch, action, "it is a \(found), not a \(expected)")
    }
}
