import CHDF5

/// Converts between Swift strings and HDF5's in-memory string layouts (shared by datasets and attributes).
enum StringCodec {
    /// The longest fixed-length string element read from a file (its declared length is untrusted).
    static let maxFixedLength = 1 << 16

    /// Reads `count` strings stored with type `stored` (variable or fixed length): `read` is given a memory
    /// type and a buffer to fill.
    static func decode(
        count: Int, stored: hid_t, _ site: Site, _ read: (hid_t, UnsafeMutableRawPointer) throws -> Void
    ) throws -> [String] {
        let kind = try CAPI.elementType(of: stored, site)
        // The stored type itself is the memory type: no conversion, whatever its character set.
        let memory = try CAPI.copyType(stored, site)
        defer { CAPI.close(memory) }
        switch kind {
        case .string:
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: max(count, 1))
            return try pointers.withUnsafeMutableBytes { raw in
                let base = raw.baseAddress!
                try read(memory.id, base)
                defer { try? CAPI.reclaimStrings(type: memory.id, count: count, base, site) }
                return raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self).prefix(count).map {
                    $0.map { String(cString: $0) } ?? ""
                }
            }
        case .fixedString(let length):
            guard length <= maxFixedLength else {
                throw site.error(.invalidArgument, "cannot read strings",
                                 "fixed-length strings of \(length) bytes (at most \(maxFixedLength))")
            }
            var bytes = [UInt8](repeating: 0, count: max(try Extent.product([count, length], "cannot read strings", site), 1))
            try bytes.withUnsafeMutableBytes { try read(memory.id, $0.baseAddress!) }
            return (0..<count).map { index in
                var element = bytes[(index * length)..<((index + 1) * length)]
                while let last = element.last, last == 0 { element = element.dropLast() }
                return String(decoding: element, as: UTF8.self)
            }
        default:
            throw site.error(.typeMismatch, "cannot read strings", "the stored type is \(kind)")
        }
    }

    /// Calls `body` with the memory type and a buffer holding `strings` laid out for `type`
    /// (`.string` or `.fixedString`).
    static func encode<R>(
        _ strings: [String], as type: H5ElementType, _ site: Site, _ body: (hid_t, UnsafeRawPointer) throws -> R
    ) throws -> R {
        let memory = try CAPI.memoryType(type, site)
        defer { CAPI.close(memory) }
        switch type {
        case .string:
            var storage: [CChar] = []
            var offsets: [Int] = []
            for string in strings {
                offsets.append(storage.count)
                storage.append(contentsOf: string.utf8CString)
            }
            storage.append(0)
            return try storage.withUnsafeBufferPointer { chars in
                let pointers = offsets.map { chars.baseAddress! + $0 } + [chars.baseAddress!]
                return try pointers.withUnsafeBytes { try body(memory.id, $0.baseAddress!) }
            }
        case .fixedString(let length):
            guard length <= maxFixedLength else {  // what could not be read back is not written
                throw site.error(.invalidArgument, "cannot write strings",
                                 "fixed-length strings of \(length) bytes (at most \(maxFixedLength))")
            }
            var bytes = [UInt8](repeating: 0, count: max(strings.count * length, 1))
            for (index, string) in strings.enumerated() {
                let utf8 = Array(string.utf8)
                guard utf8.count <= length else {
                    throw site.error(.invalidArgument, "cannot write strings",
                                     "\"\(string)\" is \(utf8.count) bytes, longer than the fixed length \(length)")
                }
                bytes.replaceSubrange((index * length)..<(index * length + utf8.count), with: utf8)
            }
            return try bytes.withUnsafeBytes { try body(memory.id, $0.baseAddress!) }
        default:
            throw site.error(.typeMismatch, "cannot write strings", "the type \(type) is not a string type")
        }
    }
}
