import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A datatype id, and whether it was created here (and so must be closed) or is one of HDF5's predefined types.
struct TypeRef {
    let id: hid_t
    let owned: Bool
}

/// What a link in a group points at.
public enum H5ObjectKind: Sendable, Equatable {
    case group, dataset, namedType, other
}

/// Every call into the HDF5 C library (and the few POSIX calls the module needs), each wrapped once.
/// Callers hold the library lock (`locked`); failures throw `HDF5Error`s carrying HDF5's error stack.
enum CAPI {
    // MARK: Errors

    /// Turns off HDF5's automatic error printing for the calling thread. This libhdf5 is the thread-safe
    /// build, where each thread has its own error stack and its own setting: every thread that calls HDF5
    /// must do this once (the shim remembers, per thread, that it did).
    static func silenceErrorsOnThisThread() { _cbr_H5_silence_errors_on_this_thread() }

    /// Keeps HDF5 from registering its exit handler. That handler closes whatever is still open, and after
    /// a write failed (a full disk) the half-closed file it finds crashes it (SIGSEGV in H5D_close at exit).
    /// cbr closes and fsyncs every file it publishes itself, so nothing is lost by skipping it. Must be the
    /// first call into the library.
    static func skipExitCleanup() -> herr_t { H5dont_atexit() }

    /// HDF5's error stack, then clears it: one line of the outermost message (what the API call says) and
    /// the innermost cause; for a failed system call, the cause is the system's own words ("No space left
    /// on device", "File exists"), not the dump of times, buffers and offsets HDF5 puts around them.
    static func stackFailure() -> (message: String, system: String?) {
        var buffer = [CChar](repeating: 0, count: 1024)
        _cbr_H5E_collect(&buffer)
        func text(_ slot: ArraySlice<CChar>) -> String {
            let bytes = slot.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
        }
        let outer = text(buffer[0..<512])
        var cause = text(buffer[512...])
        var system: String?
        if let range = cause.range(of: "error message = '"),
           let close = cause[range.upperBound...].firstIndex(of: "'") {
            system = String(cause[range.upperBound..<close])
            let head = cause.firstIndex(of: ":").map { cause[..<$0].prefix(80) } ?? ""
            cause = head.isEmpty ? system! : "\(head): \(system!)"
        }
        switch (outer.isEmpty, cause.isEmpty) {
        case (true, true): return ("unknown HDF5 failure", nil)
        case (false, true): return (outer, system)
        case (true, false): return (cause, system)
        case (false, false): return ("\(outer); \(cause)", system)
        }
    }

    /// Throws when `result` is negative (HDF5's failure convention).
    @discardableResult
    static func check<I: BinaryInteger>(
        _ result: I, _ action: @autoclosure () -> String, _ site: Site, _ kind: HDF5Error.Kind = .library
    ) throws -> I {
        if result < 0 {
            let failure = stackFailure()
            throw site.error(kind, action(), failure.message, system: failure.system)
        }
        return result
    }

    // MARK: Files

    /// 1 for an HDF5 file, 0 for another file, negative when it cannot be read.
    static func isHDF5(_ path: String) -> htri_t {
        let result = H5Fis_hdf5(path)
        if result < 0 { H5Eclear2(_cbr_H5E_DEFAULT()) }
        return result
    }

    /// File access properties: closing the file closes every object still open in it.
    private static func strongCloseAccess(_ site: Site) throws -> hid_t {
        let fapl = try check(H5Pcreate(_cbr_H5P_FILE_ACCESS()), "cannot create file access properties", site)
        if H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 {
            H5Pclose(fapl)
            try check(-1, "cannot set file close degree", site)
        }
        return fapl
    }

    /// New files use the HDF5 1.10 format (superblock v3, object headers v2, chunk indexes with
    /// checksums): a damaged metadata block then fails its checksum instead of being followed, which in
    /// the 1.8 format can send libhdf5 into an endless loop. h5py (HDF5 >= 1.10) reads these files.
    static func createFile(_ path: String, exclusive: Bool, _ site: Site) throws -> hid_t {
        let fapl = try strongCloseAccess(site)
        defer { H5Pclose(fapl) }
        try check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110), "cannot set file format version", site)
        let flags = exclusive ? _cbr_H5F_ACC_EXCL() : _cbr_H5F_ACC_TRUNC()
        return try check(H5Fcreate(path, flags, _cbr_H5P_DEFAULT(), fapl), "cannot create file", site)
    }

    static func openFile(_ path: String, writable: Bool, _ site: Site) throws -> hid_t {
        let fapl = try strongCloseAccess(site)
        defer { H5Pclose(fapl) }
        let flags = writable ? _cbr_H5F_ACC_RDWR() : _cbr_H5F_ACC_RDONLY()
        return try check(H5Fopen(path, flags, fapl), "cannot open file", site)
    }

    static func closeFile(_ id: hid_t, _ site: Site) throws {
        try check(H5Fclose(id), "cannot close file", site)
    }

    static func flushFile(_ id: hid_t, _ site: Site) throws {
        try check(H5Fflush(id, H5F_SCOPE_GLOBAL), "cannot flush file", site)
    }

    /// Forces the file's bytes (or a directory's entries) to stable storage.
    static func fsync(_ path: String, _ site: Site) throws {
        #if canImport(Glibc)
        let fd = Glibc.open(path, O_RDONLY)
        #else
        let fd = Darwin.open(path, O_RDONLY)
        #endif
        guard fd >= 0 else {
            throw site.error(.fileNotFound, "cannot open for fsync", String(cString: strerror(errno)))
        }
        #if canImport(Glibc)
        defer { _ = Glibc.close(fd) }
        let status = Glibc.fsync(fd)
        #else
        defer { _ = Darwin.close(fd) }
        let status = Darwin.fsync(fd)
        #endif
        if status != 0 { throw site.error(.library, "cannot fsync", String(cString: strerror(errno))) }
    }

    // MARK: Groups and links

    static func createGroup(_ loc: hid_t, _ name: String, _ site: Site) throws -> hid_t {
        let lcpl = try check(H5Pcreate(_cbr_H5P_LINK_CREATE()), "cannot create link properties", site)
        defer { H5Pclose(lcpl) }
        try check(H5Pset_create_intermediate_group(lcpl, 1), "cannot set link properties", site)
        return try check(H5Gcreate2(loc, name, lcpl, _cbr_H5P_DEFAULT(), _cbr_H5P_DEFAULT()),
                         "cannot create group", site)
    }

    static func openGroup(_ loc: hid_t, _ name: String, _ site: Site) throws -> hid_t {
        try check(H5Gopen2(loc, name, _cbr_H5P_DEFAULT()), "cannot open group", site)
    }

    static func closeGroup(_ id: hid_t) { H5Gclose(id) }

    /// Whether `name` (one path component) is a link in `loc`.
    static func linkExists(_ loc: hid_t, _ name: String, _ site: Site) throws -> Bool {
        try check(H5Lexists(loc, name, _cbr_H5P_DEFAULT()), "cannot look up link", site) > 0
    }

    static func objectKind(_ loc: hid_t, _ name: String, _ site: Site) throws -> H5ObjectKind {
        let id = try check(H5Oopen(loc, name, _cbr_H5P_DEFAULT()), "cannot open object", site, .notFound)
        defer { H5Oclose(id) }
        switch H5Iget_type(id) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        case H5I_DATATYPE: return .namedType
        default: return .other
        }
    }

    /// The names of the links in group `loc`, in name order.
    static func linkNames(_ loc: hid_t, _ site: Site) throws -> [String] {
        var info = H5G_info_t()
        try check(H5Gget_info(loc, &info), "cannot read group info", site)
        return try (0..<info.nlinks).map { index in
            try name { buffer, size in
                H5Lget_name_by_idx(loc, ".", H5_INDEX_NAME, H5_ITER_INC, index, buffer, size, _cbr_H5P_DEFAULT())
            } orThrow: { try check(-1, "cannot read link name", site) }
        }
    }

    /// Calls an HDF5 "get name" function twice: for the length, then for the bytes.
    private static func name(
        _ get: (UnsafeMutablePointer<CChar>?, Int) -> Int, orThrow fail: () throws -> Void
    ) throws -> String {
        let length = get(nil, 0)
        if length < 0 { try fail() }
        var buffer = [CChar](repeating: 0, count: length + 1)
        if get(&buffer, length + 1) < 0 { try fail() }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Datatypes

    /// The half-precision type, built once and never closed.
    private static let half: hid_t = _cbr_H5T_half_create()

    /// The type values of `type` have in memory (predefined for numbers).
    static func memoryType(_ type: H5ElementType, _ site: Site) throws -> TypeRef {
        switch type {
        case .int8: TypeRef(id: _cbr_H5T_NATIVE_INT8(), owned: false)
        case .int16: TypeRef(id: _cbr_H5T_NATIVE_INT16(), owned: false)
        case .int32: TypeRef(id: _cbr_H5T_NATIVE_INT32(), owned: false)
        case .int64: TypeRef(id: _cbr_H5T_NATIVE_INT64(), owned: false)
        case .uint8: TypeRef(id: _cbr_H5T_NATIVE_UINT8(), owned: false)
        case .uint16: TypeRef(id: _cbr_H5T_NATIVE_UINT16(), owned: false)
        case .uint32: TypeRef(id: _cbr_H5T_NATIVE_UINT32(), owned: false)
        case .uint64: TypeRef(id: _cbr_H5T_NATIVE_UINT64(), owned: false)
        case .float16: TypeRef(id: try check(half, "cannot build the float16 type", site), owned: false)
        case .float32: TypeRef(id: _cbr_H5T_NATIVE_FLOAT(), owned: false)
        case .float64: TypeRef(id: _cbr_H5T_NATIVE_DOUBLE(), owned: false)
        case .string: try stringType(length: nil, site)
        case .fixedString(let n): try stringType(length: n, site)
        case .unsupported(let what):
            throw site.error(.typeMismatch, "cannot use type", "\(what) is not supported")
        }
    }

    /// The type values of `type` get in a file: little-endian standard types, UTF-8 strings.
    static func fileType(_ type: H5ElementType, _ site: Site) throws -> TypeRef {
        switch type {
        case .int8: TypeRef(id: _cbr_H5T_STD_I8LE(), owned: false)
        case .int16: TypeRef(id: _cbr_H5T_STD_I16LE(), owned: false)
        case .int32: TypeRef(id: _cbr_H5T_STD_I32LE(), owned: false)
        case .int64: TypeRef(id: _cbr_H5T_STD_I64LE(), owned: false)
        case .uint8: TypeRef(id: _cbr_H5T_STD_U8LE(), owned: false)
        case .uint16: TypeRef(id: _cbr_H5T_STD_U16LE(), owned: false)
        case .uint32: TypeRef(id: _cbr_H5T_STD_U32LE(), owned: false)
        case .uint64: TypeRef(id: _cbr_H5T_STD_U64LE(), owned: false)
        case .float32: TypeRef(id: _cbr_H5T_IEEE_F32LE(), owned: false)
        case .float64: TypeRef(id: _cbr_H5T_IEEE_F64LE(), owned: false)
        case .float16, .string, .fixedString, .unsupported: try memoryType(type, site)
        }
    }

    /// A UTF-8 string type: variable length when `length` is nil, else `length` bytes NUL-padded.
    private static func stringType(length: Int?, _ site: Site) throws -> TypeRef {
        if let length, length < 1 {
            throw site.error(.invalidArgument, "cannot create string type", "fixed length \(length) < 1")
        }
        let id = try check(H5Tcopy(_cbr_H5T_C_S1()), "cannot create string type", site)
        let size = length ?? _cbr_H5T_VARIABLE()
        let pad = length == nil ? H5T_STR_NULLTERM : H5T_STR_NULLPAD
        if H5Tset_size(id, size) < 0 || H5Tset_cset(id, H5T_CSET_UTF8) < 0 || H5Tset_strpad(id, pad) < 0 {
            H5Tclose(id)
            try check(-1, "cannot create string type", site)
        }
        return TypeRef(id: id, owned: true)
    }

    static func copyType(_ id: hid_t, _ site: Site) throws -> TypeRef {
        TypeRef(id: try check(H5Tcopy(id), "cannot copy type", site), owned: true)
    }

    static func close(_ type: TypeRef) {
        if type.owned { H5Tclose(type.id) }
    }

    /// What a stored type is, in this module's terms.
    static func elementType(of id: hid_t, _ site: Site) throws -> H5ElementType {
        let size = try Extent.int(H5Tget_size(id), "type size", site)
        guard size > 0 else { throw site.error(.library, "cannot read type size", stackFailure().message) }
        switch H5Tget_class(id) {
        case H5T_INTEGER:
            let signed = H5Tget_sign(id) != H5T_SGN_NONE
            switch (size, signed) {
            case (1, true): return .int8
            case (2, true): return .int16
            case (4, true): return .int32
            case (8, true): return .int64
            case (1, false): return .uint8
            case (2, false): return .uint16
            case (4, false): return .uint32
            case (8, false): return .uint64
            default: return .unsupported("\(size)-byte integer")
            }
        case H5T_FLOAT:
            switch size {
            case 2: return .float16
            case 4: return .float32
            case 8: return .float64
            default: return .unsupported("\(size)-byte float")
            }
        case H5T_STRING:
            return try check(H5Tis_variable_str(id), "cannot read string type", site) > 0
                ? .string : .fixedString(byteCount: size)
        case H5T_COMPOUND: return .unsupported("compound")
        case H5T_ENUM: return .unsupported("enum")
        case H5T_ARRAY: return .unsupported("array")
        case H5T_VLEN: return .unsupported("vlen sequence")
        case H5T_OPAQUE: return .unsupported("opaque")
        case H5T_REFERENCE: return .unsupported("reference")
        case H5T_BITFIELD: return .unsupported("bitfield")
        default: return .unsupported("unknown class")
        }
    }

    // MARK: Dataspaces

    /// A simple dataspace (scalar when `shape` is empty); nil entries of `maxShape` are unlimited.
    static func createSpace(_ shape: [Int], maxShape: [Int?]? = nil, _ site: Site) throws -> hid_t {
        if shape.isEmpty {
            return try check(H5Screate(H5S_SCALAR), "cannot create dataspace", site)
        }
        let dims = shape.map { hsize_t($0) }
        guard let maxShape else {
            return try check(H5Screate_simple(Int32(dims.count), dims, nil), "cannot create dataspace", site)
        }
        let maxDims = maxShape.map { $0.map { hsize_t($0) } ?? _cbr_H5S_UNLIMITED() }
        return try check(H5Screate_simple(Int32(dims.count), dims, maxDims), "cannot create dataspace", site)
    }

    /// Current and maximal extents (nil = unlimited) of a simple or scalar dataspace.
    static func extents(_ space: hid_t, _ site: Site) throws -> (shape: [Int], maxShape: [Int?]) {
        let rank = Int(try check(H5Sget_simple_extent_ndims(space), "cannot read dataspace", site))
        guard rank <= 32 else { throw site.error(.library, "cannot read dataspace", "rank \(rank) exceeds HDF5's 32") }
        var dims = [hsize_t](repeating: 0, count: rank)
        var maxDims = [hsize_t](repeating: 0, count: rank)
        try check(H5Sget_simple_extent_dims(space, &dims, &maxDims), "cannot read dataspace", site)
        let unlimited = _cbr_H5S_UNLIMITED()
        return (try dims.map { try Extent.int($0, "dataspace extent", site) },
                try maxDims.map { $0 == unlimited ? nil : try Extent.int($0, "dataspace maximal extent", site) })
    }

    static func elementCount(_ space: hid_t, _ site: Site) throws -> Int {
        Int(try check(H5Sget_simple_extent_npoints(space), "cannot read dataspace", site))
    }

    /// Selects the block starting at `start` of size `count` (one entry per dimension).
    static func selectBlock(_ space: hid_t, start: [Int], count: [Int], _ site: Site) throws {
        let start = start.map { hsize_t($0) }
        let count = count.map { hsize_t($0) }
        try check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nil, count, nil), "cannot select rows", site)
    }

    static func closeSpace(_ id: hid_t) { H5Sclose(id) }

    // MARK: Datasets

    static func createDataset(
        _ loc: hid_t, _ name: String, type: hid_t, space: hid_t, chunk: [Int]?, _ site: Site
    ) throws -> hid_t {
        let lcpl = try check(H5Pcreate(_cbr_H5P_LINK_CREATE()), "cannot create link properties", site)
        defer { H5Pclose(lcpl) }
        try check(H5Pset_create_intermediate_group(lcpl, 1), "cannot set link properties", site)
        let dcpl = try check(H5Pcreate(_cbr_H5P_DATASET_CREATE()), "cannot create dataset properties", site)
        defer { H5Pclose(dcpl) }
        if let chunk {
            let dims = chunk.map { hsize_t($0) }
            try check(H5Pset_chunk(dcpl, Int32(dims.count), dims), "cannot set chunk shape \(chunk)", site)
        }
        return try check(H5Dcreate2(loc, name, type, space, lcpl, dcpl, _cbr_H5P_DEFAULT()),
                         "cannot create dataset", site)
    }

    static func openDataset(_ loc: hid_t, _ name: String, _ site: Site) throws -> hid_t {
        try check(H5Dopen2(loc, name, _cbr_H5P_DEFAULT()), "cannot open dataset", site)
    }

    static func closeDataset(_ id: hid_t) { H5Dclose(id) }

    static func datasetSpace(_ id: hid_t, _ site: Site) throws -> hid_t {
        try check(H5Dget_space(id), "cannot read dataspace", site)
    }

    static func datasetType(_ id: hid_t, _ site: Site) throws -> TypeRef {
        TypeRef(id: try check(H5Dget_type(id), "cannot read datatype", site), owned: true)
    }

    /// The chunk shape, or nil for contiguous or compact storage.
    static func datasetChunk(_ id: hid_t, rank: Int, _ site: Site) throws -> [Int]? {
        let dcpl = try check(H5Dget_create_plist(id), "cannot read dataset properties", site)
        defer { H5Pclose(dcpl) }
        guard H5Pget_layout(dcpl) == H5D_CHUNKED else { return nil }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        try check(H5Pget_chunk(dcpl, Int32(rank), &dims), "cannot read chunk shape", site)
        return try dims.prefix(rank).map { try Extent.int($0, "chunk shape", site) }
    }

    static func setExtent(_ id: hid_t, _ shape: [Int], _ site: Site) throws {
        let dims = shape.map { hsize_t($0) }
        try check(H5Dset_extent(id, dims), "cannot extend dataset to \(shape)", site)
    }

    /// `memSpace`/`fileSpace` nil means the whole dataset.
    static func read(
        _ id: hid_t, memType: hid_t, memSpace: hid_t?, fileSpace: hid_t?, into buffer: UnsafeMutableRawPointer,
        _ site: Site
    ) throws {
        let all = _cbr_H5S_ALL()
        try check(H5Dread(id, memType, memSpace ?? all, fileSpace ?? all, _cbr_H5P_DEFAULT(), buffer),
                  "cannot read dataset", site)
    }

    static func write(
        _ id: hid_t, memType: hid_t, memSpace: hid_t?, fileSpace: hid_t?, from buffer: UnsafeRawPointer,
        _ site: Site
    ) throws {
        let all = _cbr_H5S_ALL()
        try check(H5Dwrite(id, memType, memSpace ?? all, fileSpace ?? all, _cbr_H5P_DEFAULT(), buffer),
                  "cannot write dataset", site)
    }

    /// Frees the strings HDF5 allocated while reading `count` variable-length strings into `buffer`.
    static func reclaimStrings(type: hid_t, count: Int, _ buffer: UnsafeMutableRawPointer, _ site: Site) throws {
        let space = try createSpace([count], site)
        defer { H5Sclose(space) }
        try check(H5Dvlen_reclaim(type, space, _cbr_H5P_DEFAULT(), buffer), "cannot free strings", site)
    }

    // MARK: Attributes

    static func attributeExists(_ loc: hid_t, _ name: String, _ site: Site) throws -> Bool {
        try check(H5Aexists(loc, name), "cannot look up attribute", site) > 0
    }

    static func deleteAttribute(_ loc: hid_t, _ name: String, _ site: Site) throws {
        try check(H5Adelete(loc, name), "cannot delete attribute", site)
    }

    static func createAttribute(_ loc: hid_t, _ name: String, type: hid_t, space: hid_t, _ site: Site) throws -> hid_t {
        try check(H5Acreate2(loc, name, type, space, _cbr_H5P_DEFAULT(), _cbr_H5P_DEFAULT()),
                  "cannot create attribute", site)
    }

    static func openAttribute(_ loc: hid_t, _ name: String, _ site: Site) throws -> hid_t {
        try check(H5Aopen(loc, name, _cbr_H5P_DEFAULT()), "cannot open attribute", site, .notFound)
    }

    static func closeAttribute(_ id: hid_t) { H5Aclose(id) }

    static func attributeSpace(_ id: hid_t, _ site: Site) throws -> hid_t {
        try check(H5Aget_space(id), "cannot read attribute dataspace", site)
    }

    static func attributeType(_ id: hid_t, _ site: Site) throws -> TypeRef {
        TypeRef(id: try check(H5Aget_type(id), "cannot read attribute type", site), owned: true)
    }

    static func readAttribute(_ id: hid_t, memType: hid_t, into buffer: UnsafeMutableRawPointer, _ site: Site) throws {
        try check(H5Aread(id, memType, buffer), "cannot read attribute", site)
    }

    static func writeAttribute(_ id: hid_t, memType: hid_t, from buffer: UnsafeRawPointer, _ site: Site) throws {
        try check(H5Awrite(id, memType, buffer), "cannot write attribute", site)
    }

    /// The names of the attributes of the object `loc`, in name order.
    static func attributeNames(_ loc: hid_t, _ site: Site) throws -> [String] {
        var info = H5O_info_t()
        try check(H5Oget_info2(loc, &info, UInt32(H5O_INFO_NUM_ATTRS)), "cannot read object info", site)
        return try (0..<info.num_attrs).map { index in
            try name { buffer, size in
                H5Aget_name_by_idx(loc, ".", H5_INDEX_NAME, H5_ITER_INC, index, buffer, size, _cbr_H5P_DEFAULT())
            } orThrow: { try check(-1, "cannot read attribute name", site) }
        }
    }
}
