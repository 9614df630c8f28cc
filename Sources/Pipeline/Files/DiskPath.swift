import Foundation

/// A path exactly as the file system has it: raw bytes, which need not be UTF-8 (a Latin-1 file name
/// stays the file it names). `description` shows it (invalid bytes as U+FFFD); `url` carries it to code
/// that takes URLs and `init(url:)` recovers the bytes, both losslessly.
public struct DiskPath: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init(_ path: String) { bytes = Array(path.utf8) }

    /// A path given on the command line, byte for byte: Swift decodes arguments as UTF-8 (a Latin-1 byte
    /// becomes U+FFFD), so an argument holding U+FFFD is looked up among the process's raw arguments.
    public init(argument: String) {
        guard argument.unicodeScalars.contains("\u{FFFD}") else {
            self.init(argument)
            return
        }
        for index in 0..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self),
                                                  count: strlen(raw)))
            if String(decoding: bytes, as: UTF8.self) == argument {
                self.init(bytes: bytes)
                return
            }
        }
        self.init(argument)
    }

    /// The path a URL made by `url` (or `URL(fileURLWithPath:)`) stands for.
    public init(url: URL) {
        let encoded = Array(url.absoluteURL.path(percentEncoded: true).utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var i = 0
        while i < encoded.count {
            if encoded[i] == UInt8(ascii: "%"), i + 2 < encoded.count,
               let high = Self.hexValue(encoded[i + 1]), let low = Self.hexValue(encoded[i + 2]) {
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(encoded[i])
                i += 1
            }
        }
        self.bytes = bytes
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether the bytes are valid UTF-8 (then `description` is the path itself).
    public var isUTF8: Bool { String(validating: bytes, as: UTF8.self) != nil }

    /// A file URL for this path that `init(url:)` turns back into the same bytes.
    public var url: URL {
        if isUTF8 { return URL(fileURLWithPath: description) }
        var absolute = bytes
        if absolute.first != UInt8(ascii: "/") {
            absolute = Array(FileManager.default.currentDirectoryPath.utf8) + [UInt8(ascii: "/")] + absolute
        }
        var text = "file://"
        for byte in absolute {
            if Self.unreserved(byte) { text.unicodeScalars.append(UnicodeScalar(byte)) } else {
                text += String(format: "%%%02X", byte)
            }
        }
        return URL(string: text) ?? URL(fileURLWithPath: description)
    }

    /// The last component's bytes.
    public var name: [UInt8] { Array(bytes.split(separator: UInt8(ascii: "/")).last ?? []) }

    /// The extension of the last component, lower-cased ("" when none).
    public var lowercasedExtension: String {
        let name = self.name
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot > 0 else { return "" }
        return String(decoding: name[(dot + 1)...], as: UTF8.self).lowercased()
    }

    /// `self/child`, without doubling a trailing slash.
    public func appending(_ child: [UInt8]) -> DiskPath {
        DiskPath(bytes: bytes.last == UInt8(ascii: "/") ? bytes + child : bytes + [UInt8(ascii: "/")] + child)
    }

    /// Byte order, as `ls` in the C locale sorts.
    public static func < (a: DiskPath, b: DiskPath) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    private static func unreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "_"),
             UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
