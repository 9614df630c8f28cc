import CHDF5

extension H5Group {
    /// Creates the dataset `name` of `type` with extent `shape`.
    ///
    /// - maxShape: the maximal extent, nil entries unlimited (e.g. `[nil, 512]` for rows appended later);
    ///   nil means fixed at `shape`.
    /// - chunk: the chunk shape; extendible datasets need one, and get about 512 KiB of whole rows when nil.
    @discardableResult
    public func createDataset(
        _ name: String, type: H5ElementType, shape: [Int], maxShape: [Int?]? = nil, chunk: [Int]? = nil
    ) throws -> H5Dataset {
        let full = childName(name)
        let site = self.site.child(full)
        let action = "cannot create dataset"
        guard shape.allSatisfy({ $0 >= 0 }) else { throw site.error(.invalidArgument, action, "bad shape \(shape)") }
        if let maxShape {
            guard maxShape.count == shape.count,
                  zip(shape, maxShape).allSatisfy({ size, limit in limit.map { $0 >= size } ?? true })
            else {
                throw site.error(.invalidArgument, action, "max shape \(maxShape) does not contain shape \(shape)")
            }
        }
        let extendible = maxShape.map { $0 != shape.map(Optional.some) } ?? false
        let chunk = chunk ?? (extendible ? Self.defaultChunk(shape: shape, type: type) : nil)
        if let chunk {
            guard !shape.isEmpty, chunk.count == shape.count, chunk.allSatisfy({ $0 > 0 }) else {
                throw site.error(.invalidArgument, action, "bad chunk shape \(chunk) for shape \(shape)")
            }
        }
        return try withID(action) { loc in
            try requireWritable(action)
            guard try !contains(name) else { throw site.error(.invalidArgument, action, "it already exists") }
            let fileType = try CAPI.fileType(type, site)
            defer { CAPI.close(fileType) }
            let space = try CAPI.createSpace(shape, maxShape: maxShape, site)
            defer { CAPI.closeSpace(space) }
            let id = try CAPI.createDataset(loc, name, type: fileType.id, space: space, chunk: chunk, site)
            return H5Dataset(file: file, id: id, name: full, close: CAPI.closeDataset)
        }
    }

    /// Creates a dataset holding `values` with extent `shape` (default: 1-D).
    @discardableResult
    public func createDataset<T: H5Scalar>(
        _ name: String, values: [T], shape: [Int]? = nil, maxShape: [Int?]? = nil, chunk: [Int]? = nil
    ) throws -> H5Dataset {
        try withID("cannot create dataset") { _ in
            let dataset = try createDataset(name, type: T.elementType, shape: shape ?? [values.count],
                                            maxShape: maxShape, chunk: chunk)
            try dataset.write(values)
            return dataset
        }
    }

    /// Creates a 1-D dataset holding `strings`, variable-length UTF-8 by default.
    @discardableResult
    public func createDataset(
        _ name: String, strings: [String], type: H5ElementType = .string, maxShape: [Int?]? = nil,
        chunk: [Int]? = nil
    ) throws -> H5Dataset {
        try withID("cannot create dataset") { _ in
            let dataset = try createDataset(name, type: type, shape: [strings.count], maxShape: maxShape,
                                            chunk: chunk)
            try dataset.write(strings: strings)
            return dataset
        }
    }

    /// About 512 KiB of whole rows (so a chunk fits HDF5's default 1 MiB chunk cache), 1 to 16384 rows.
    static func defaultChunk(shape: [Int], type: H5ElementType) -> [Int] {
        let inner = shape.dropFirst().map { max($0, 1) }
        let rowBytes = inner.reduce(type.memoryByteCount, *)
        let rows = min(max((512 * 1024) / rowBytes, 1), 16384)
        return [rows] + inner
    }
}
