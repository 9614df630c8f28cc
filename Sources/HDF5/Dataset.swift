import CHDF5

/// A dataset: an n-dimensional array of one element type. "Rows" are the slices along the first dimension;
/// reads and writes of rows go straight between the caller's buffer and the file (one HDF5 call, no copy).
public final class H5Dataset: H5Object, @unchecked Sendable {
    /// The current extent, e.g. `[rows, dimension]` (empty for a scalar dataset).
    public var shape: [Int] {
        get throws { try extents().shape }
    }

    /// The maximal extent; nil entries are unlimited.
    public var maxShape: [Int?] {
        get throws { try extents().maxShape }
    }

    /// The number of rows (the first dimension), 1 for a scalar dataset.
    public var rowCount: Int {
        get throws { try shape.first ?? 1 }
    }

    /// The chunk shape, or nil when the dataset is not chunked.
    public var chunkShape: [Int]? {
        get throws {
            try withID("cannot read chunk shape") { id in
                try CAPI.datasetChunk(id, rank: try extents().shape.count, site)
            }
        }
    }

    /// The type of the stored elements.
    public var elementType: H5ElementType {
        get throws {
            try withID("cannot read element type") { id in
                let type = try CAPI.datasetType(id, site)
                defer { CAPI.close(type) }
                return try CAPI.elementType(of: type.id, site)
            }
        }
    }

    private func extents() throws -> (shape: [Int], maxShape: [Int?]) {
        try withID("cannot read shape") { id in
            let space = try CAPI.datasetSpace(id, site)
            defer { CAPI.closeSpace(space) }
            return try CAPI.extents(space, site)
        }
    }

    // MARK: Numbers

    /// The whole dataset, converted to `T` by HDF5 when stored otherwise (e.g. float16 read as Float).
    public func read<T: H5Scalar>(as type: T.Type = T.self) throws -> [T] {
        try withID("cannot read dataset") { _ in
            let count = try Extent.product(try shape, "cannot read dataset", site)
            return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                try read(into: buffer)
                initialized = count
            }
        }
    }

    /// Reads the whole dataset into `buffer`, whose count must equal the dataset's element count.
    public func read<T: H5Scalar>(into buffer: UnsafeMutableBufferPointer<T>) throws {
        try readElements(nil, into: buffer, "cannot read dataset")
    }

    /// Reads rows `rows` into `buffer`, whose count must be `rows.count × (elements per row)`.
    public func readRows<T: H5Scalar>(_ rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<T>) throws {
        try readElements(rows, into: buffer, "cannot read rows")
    }

    /// Rows `rows`, as a new array.
    public func readRows<T: H5Scalar>(_ rows: Range<Int>, as type: T.Type = T.self) throws -> [T] {
        try withID("cannot read rows") { _ in
            let count = try Extent.product([rows.count] + (try shape.dropFirst()), "cannot read rows", site)
            return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                try readRows(rows, into: buffer)
                initialized = count
            }
        }
    }

    /// Replaces the whole dataset's contents; `values.count` must equal its element count.
    public func write<T: H5Scalar>(_ values: [T]) throws {
        try values.withUnsafeBufferPointer { try write($0) }
    }

    public func write<T: H5Scalar>(_ buffer: UnsafeBufferPointer<T>) throws {
        try writeElements(nil, from: buffer, "cannot write dataset")
    }

    /// Overwrites rows starting at `firstRow` (within the current extent) with `buffer`'s whole rows.
    public func writeRows<T: H5Scalar>(at firstRow: Int, _ buffer: UnsafeBufferPointer<T>) throws {
        try withID("cannot write rows") { _ in
            let rows = firstRow..<(firstRow + (try wholeRows(buffer.count, "cannot write rows")))
            try writeElements(rows, from: buffer, "cannot write rows")
        }
    }

    /// Appends `buffer`'s whole rows at the end of the first dimension (which must be extendible).
    public func append<T: H5Scalar>(rows buffer: UnsafeBufferPointer<T>) throws {
        try withID("cannot append rows") { _ in
            let added = try wholeRows(buffer.count, "cannot append rows")
            let first = try appendRows(added)
            try writeRows(at: first, buffer)
        }
    }

    public func append<T: H5Scalar>(rows values: [T]) throws {
        try values.withUnsafeBufferPointer { try append(rows: $0) }
    }

    // MARK: Strings

    /// The whole dataset as strings (variable- or fixed-length).
    public func readStrings() throws -> [String] {
        try withID("cannot read strings") { _ in try readStrings(nil) }
    }

    /// Rows `rows` of a 1-D string dataset.
    public func readStrings(rows: Range<Int>) throws -> [String] {
        try withID("cannot read strings") { _ in try readStrings(rows) }
    }

    /// Replaces the whole dataset's contents.
    public func write(strings: [String]) throws {
        try withID("cannot write strings") { _ in try writeStrings(strings, at: nil) }
    }

    /// Appends `strings` at the end of a 1-D extendible string dataset.
    public func append(strings: [String]) throws {
        try withID("cannot append strings") { _ in
            let first = try appendRows(try wholeRows(strings.count, "cannot append strings"))
            try writeStrings(strings, at: first)
        }
    }

    private func readStrings(_ rows: Range<Int>?) throws -> [String] {
        let count = try Extent.product(try rows.map { [$0.count] + (try shape.dropFirst()) } ?? (try shape),
                                       "cannot read strings", site)
        let stored = try CAPI.datasetType(id, site)
        defer { CAPI.close(stored) }
        return try StringCodec.decode(count: count, stored: stored.id, site) { memType, buffer in
            try transfer(rows, count: count, memType: memType, "cannot read strings") { id, memSpace, fileSpace in
                try CAPI.read(id, memType: memType, memSpace: memSpace, fileSpace: fileSpace, into: buffer, site)
            }
        }
    }

    private func writeStrings(_ strings: [String], at firstRow: Int?) throws {
        let type = try elementType
        let rows = try firstRow.map { first in first..<(first + (try wholeRows(strings.count, "cannot write strings"))) }
        try StringCodec.encode(strings, as: type, site) { memType, buffer in
            try transfer(rows, count: strings.count, memType: memType, "cannot write strings") { id, memSpace, fileSpace in
                try CAPI.write(id, memType: memType, memSpace: memSpace, fileSpace: fileSpace, from: buffer, site)
            }
        }
    }

    // MARK: Extent

    /// Grows (or shrinks) the dataset to `shape`, within its maximal extent.
    public func extend(to shape: [Int]) throws {
        try withID("cannot extend dataset") { id in
            try requireWritable("cannot extend dataset")
            try CAPI.setExtent(id, shape, site)
        }
    }

    /// Sets the number of rows, keeping the other dimensions.
    public func extend(toRows rows: Int) throws {
        try withID("cannot extend dataset") { _ in
            try extend(to: [rows] + (try shape.dropFirst()))
        }
    }

    /// Adds `count` rows; returns the index of the first new row.
    private func appendRows(_ count: Int) throws -> Int {
        let current = try shape
        guard let first = current.first else {
            throw site.error(.invalidArgument, "cannot append rows", "a scalar dataset has no rows")
        }
        let (end, overflow) = first.addingReportingOverflow(count)
        guard !overflow else { throw site.error(.invalidArgument, "cannot append rows", "\(first) + \(count) rows overflow") }
        try extend(to: [end] + current.dropFirst())
        return first
    }

    /// The number of rows `count` elements make; throws unless they make whole rows.
    private func wholeRows(_ count: Int, _ action: String) throws -> Int {
        let rowSize = try Extent.product(try shape.dropFirst(), action, site)
        guard rowSize > 0, count % rowSize == 0 else {
            throw site.error(.shapeMismatch, action, "\(count) elements do not make whole rows of \(rowSize)")
        }
        return count / rowSize
    }

    // MARK: Transfers

    /// Reads `rows` (nil = all) into `buffer`. Float buffers of float16 data are filled by widening the stored
    /// halves here: HDF5's own float16 → float32 conversion is a software loop (~150 ns per element).
    private func readElements<T: H5Scalar>(
        _ rows: Range<Int>?, into buffer: UnsafeMutableBufferPointer<T>, _ action: String
    ) throws {
        try withID(action) { _ in
            if T.self == Float.self, try elementType == .float16 {
                try withUnsafeTemporaryAllocation(of: Float16.self, capacity: buffer.count) { halves in
                    try readElements(rows, into: halves, action)
                    buffer.withMemoryRebound(to: Float.self) { HalfPrecision.widen(UnsafeBufferPointer(halves), into: $0) }
                }
                return
            }
            try transfer(rows, count: buffer.count, T.self, action) { id, memType, memSpace, fileSpace in
                try CAPI.read(id, memType: memType, memSpace: memSpace, fileSpace: fileSpace,
                              into: UnsafeMutableRawPointer(buffer.baseAddress!), site)
            }
        }
    }

    /// Writes `buffer` to `rows` (nil = all). Floats bound for float16 data are narrowed here (round to
    /// nearest even, as numpy does), for the same reason as in `readElements`.
    private func writeElements<T: H5Scalar>(
        _ rows: Range<Int>?, from buffer: UnsafeBufferPointer<T>, _ action: String
    ) throws {
        try withID(action) { _ in
            if T.self == Float.self, try elementType == .float16 {
                try withUnsafeTemporaryAllocation(of: Float16.self, capacity: buffer.count) { halves in
                    buffer.withMemoryRebound(to: Float.self) { HalfPrecision.narrow($0, into: halves) }
                    try writeElements(rows, from: UnsafeBufferPointer(halves), action)
                }
                return
            }
            try transfer(rows, count: buffer.count, T.self, action) { id, memType, memSpace, fileSpace in
                try CAPI.write(id, memType: memType, memSpace: memSpace, fileSpace: fileSpace,
                               from: UnsafeRawPointer(buffer.baseAddress!), site)
            }
        }
    }

    /// Checks a transfer of `count` elements of `T` to or from rows `rows` (nil = the whole dataset) and runs
    /// it with the memory type and the memory/file dataspaces (nil = all).
    private func transfer<T: H5Scalar>(
        _ rows: Range<Int>?, count: Int, _ type: T.Type, _ action: String,
        _ body: (hid_t, hid_t, hid_t?, hid_t?) throws -> Void
    ) throws {
        try withID(action) { _ in
            let memory = try CAPI.memoryType(T.elementType, site)
            defer { CAPI.close(memory) }
            try transfer(rows, count: count, memType: memory.id, action) { id, memSpace, fileSpace in
                try body(id, memory.id, memSpace, fileSpace)
            }
        }
    }

    private func transfer(
        _ rows: Range<Int>?, count: Int, memType: hid_t, _ action: String,
        _ body: (hid_t, hid_t?, hid_t?) throws -> Void
    ) throws {
        try withID(action) { id in
            let space = try CAPI.datasetSpace(id, site)
            defer { CAPI.closeSpace(space) }
            let shape = try CAPI.extents(space, site).shape
            guard let rows else {
                let total = try Extent.product(shape, action, site)
                guard count == total else {
                    throw site.error(.shapeMismatch, action, "\(count) elements given, the dataset has \(total)")
                }
                if total > 0 { try body(id, nil, nil) }
                return
            }
            guard let rowCount = shape.first else {
                throw site.error(.invalidArgument, action, "a scalar dataset has no rows")
            }
            guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
                throw site.error(.outOfRange, action, "rows \(rows) are outside 0..<\(rowCount)")
            }
            let rowSize = try Extent.product(shape.dropFirst(), action, site)
            guard count == (try Extent.product([rows.count, rowSize], action, site)) else {
                throw site.error(.shapeMismatch, action,
                                 "\(count) elements given for \(rows.count) rows of \(rowSize)")
            }
            guard count > 0 else { return }
            try CAPI.selectBlock(space, start: [rows.lowerBound] + shape.dropFirst().map { _ in 0 },
                                 count: [rows.count] + shape.dropFirst(), site)
            // The memory space has the selection's shape: HDF5 then copies whole chunks straight between file
            // and buffer (a 1-D memory space forces element-wise selection iteration, ~50x slower).
            let memSpace = try CAPI.createSpace([rows.count] + shape.dropFirst(), site)
            defer { CAPI.closeSpace(memSpace) }
            try body(id, memSpace, space)
        }
    }
}
