import CHDF5

/// Attributes: small named values (scalars or 1-D arrays of numbers or strings) on a file, group or dataset.
/// Setting an attribute that exists replaces it.
extension H5Object {
    public func setAttribute<T: H5Scalar>(_ name: String, _ value: T) throws {
        try withUnsafeBytes(of: value) { raw in
            try replaceAttribute(name, type: T.elementType, shape: []) { attribute, site in
                let memory = try CAPI.memoryType(T.elementType, site)
                defer { CAPI.close(memory) }
                try CAPI.writeAttribute(attribute, memType: memory.id, from: raw.baseAddress!, site)
            }
        }
    }

    public func setAttribute<T: H5Scalar>(_ name: String, _ values: [T]) throws {
        try replaceAttribute(name, type: T.elementType, shape: [values.count]) { attribute, site in
            let memory = try CAPI.memoryType(T.elementType, site)
            defer { CAPI.close(memory) }
            try (values.isEmpty ? [T](unsafeUninitializedCapacity: 1) { _, n in n = 0 } : values)
                .withUnsafeBytes { raw in
                    // An empty array may have no storage: reserve one element so the pointer is valid.
                    let pointer = raw.baseAddress ?? UnsafeRawPointer(UnsafeMutableRawPointer.allocate(
                        byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment))
                    try CAPI.writeAttribute(attribute, memType: memory.id, from: pointer, site)
                }
        }
    }

    /// A variable-length UTF-8 string attribute (h5py reads it as `str`).
    public func setAttribute(_ name: String, _ value: String) throws {
        try setStrings(name, [value], shape: [])
    }

    public func setAttribute(_ name: String, _ values: [String]) throws {
        try setStrings(name, values, shape: [values.count])
    }

    /// A fixed-length UTF-8 string attribute as long as `value` (h5py reads it as `bytes`). Unlike a
    /// variable-length one it lives in the object header, not in the file's global heap, whose damage
    /// libhdf5 1.10 does not detect (a damaged heap entry makes it copy past its buffer).
    public func setAttribute(_ name: String, fixed value: String) throws {
        try setStrings(name, [value], shape: [], type: .fixedString(byteCount: Swift.max(1, value.utf8.count)))
    }

    public func attribute<T: H5Scalar>(_ name: String, as type: T.Type) throws -> T {
        let values = try attribute(name, as: [T].self)
        guard values.count == 1 else {
            throw site.child(attributeName(name)).error(.shapeMismatch, "cannot read attribute",
                                                        "it holds \(values.count) values, not one")
        }
        return values[0]
    }

    public func attribute<T: H5Scalar>(_ name: String, as type: [T].Type) throws -> [T] {
        try readAttribute(name) { attribute, count, site in
            let memory = try CAPI.memoryType(T.elementType, site)
            defer { CAPI.close(memory) }
            return try [T](unsafeUninitializedCapacity: max(count, 1)) { buffer, initialized in
                try CAPI.readAttribute(attribute, memType: memory.id,
                                       into: UnsafeMutableRawPointer(buffer.baseAddress!), site)
                initialized = count
            }
        }
    }

    public func attribute(_ name: String, as type: String.Type) throws -> String {
        let values = try attribute(name, as: [String].self)
        guard values.count == 1 else {
            throw site.child(attributeName(name)).error(.shapeMismatch, "cannot read attribute",
                                                        "it holds \(values.count) strings, not one")
        }
        return values[0]
    }

    public func attribute(_ name: String, as type: [String].Type) throws -> [String] {
        try readAttribute(name) { attribute, count, site in
            let stored = try CAPI.attributeType(attribute, site)
            defer { CAPI.close(stored) }
            return try StringCodec.decode(count: count, stored: stored.id, site) { memType, buffer in
                try CAPI.readAttribute(attribute, memType: memType, into: buffer, site)
            }
        }
    }

    /// The type of the attribute's elements.
    public func attributeType(_ name: String) throws -> H5ElementType {
        try readAttribute(name) { attribute, _, site in
            let stored = try CAPI.attributeType(attribute, site)
            defer { CAPI.close(stored) }
            return try CAPI.elementType(of: stored.id, site)
        }
    }

    public func hasAttribute(_ name: String) throws -> Bool {
        try withID("cannot look up attribute") { id in try CAPI.attributeExists(id, name, site) }
    }

    /// The names of the attributes, in name order.
    public func attributeNames() throws -> [String] {
        try withID("cannot list attributes") { id in try CAPI.attributeNames(id, site) }
    }

    public func deleteAttribute(_ name: String) throws {
        try withID("cannot delete attribute") { id in
            try CAPI.deleteAttribute(id, name, site.child(attributeName(name)))
        }
    }

    // MARK: Internals

    /// The most elements an attribute read accepts (HDF5 keeps attributes of up to 64 KiB in the object header).
    static var maxAttributeElements: Int { 1 << 24 }

    /// How errors name an attribute: `object@attribute`.
    private func attributeName(_ name: String) -> String { "\(self.name)@\(name)" }

    private func setStrings(_ name: String, _ values: [String], shape: [Int], type: H5ElementType = .string) throws {
        try replaceAttribute(name, type: type, shape: shape) { attribute, site in
            try StringCodec.encode(values, as: type, site) { memType, buffer in
                try CAPI.writeAttribute(attribute, memType: memType, from: buffer, site)
            }
        }
    }

    /// Creates (replacing any existing) attribute `name` and lets `write` fill it.
    private func replaceAttribute(
        _ name: String, type: H5ElementType, shape: [Int], _ write: (hid_t, Site) throws -> Void
    ) throws {
        let site = self.site.child(attributeName(name))
        try withID("cannot set attribute") { id in
            try requireWritable("cannot set attribute")
            if try CAPI.attributeExists(id, name, site) { try CAPI.deleteAttribute(id, name, site) }
            let fileType = try CAPI.fileType(type, site)
            defer { CAPI.close(fileType) }
            let space = try CAPI.createSpace(shape, site)
            defer { CAPI.closeSpace(space) }
            let attribute = try CAPI.createAttribute(id, name, type: fileType.id, space: space, site)
            defer { CAPI.closeAttribute(attribute) }
            try write(attribute, site)
        }
    }

    /// Opens attribute `name` and lets `read` read its `count` elements.
    private func readAttribute<R>(_ name: String, _ read: (hid_t, Int, Site) throws -> R) throws -> R {
        let site = self.site.child(attributeName(name))
        return try withID("cannot read attribute") { id in
            guard try CAPI.attributeExists(id, name, site) else {
                throw site.error(.notFound, "cannot read attribute", "no such attribute")
            }
            let attribute = try CAPI.openAttribute(id, name, site)
            defer { CAPI.closeAttribute(attribute) }
            let space = try CAPI.attributeSpace(attribute, site)
            defer { CAPI.closeSpace(space) }
            let count = try CAPI.elementCount(space, site)
            // Attributes are small values; a damaged dataspace must not make the reader allocate terabytes.
            guard count <= Self.maxAttributeElements else {
                throw site.error(.shapeMismatch, "cannot read attribute", "it claims \(count) elements (at most \(Self.maxAttributeElements))")
            }
            return try read(attribute, count, site)
        }
    }
}
