import Foundation

/// Everything that can go wrong opening, reading or writing an index; each description is one line
/// naming the file and the reason.
public enum IndexError: Error, CustomStringConvertible, Equatable {
    case io(URL, String)
    case notAnIndex(URL)
    case badManifest(URL, String)
    case unsupportedVersion(URL, Int)
    case corruptShard(URL, String)
    /// The manifest, or a file or directory it names, breaks the index's rules (docs/FORMAT.md).
    case corruptIndex(URL, String)
    /// A shard the reader's manifest lists is gone because a writer committed a new generation since.
    case indexChanged(URL, from: Int, to: Int)
    case dimensionMismatch(URL, expected: Int, found: Int)
    case dtypeMismatch(URL, expected: ScalarType, found: ScalarType)
    case unknownClass(String)
    case unknownClassID(Int32)
    case busy(URL)
    case badInput(String)

    public var description: String {
        switch self {
        case let .io(url, reason): return "\(url.path): \(reason)"
        case let .notAnIndex(url): return "\(url.path): not a cbr index (no manifest.json)"
        case let .badManifest(url, reason): return "\(url.path): unreadable manifest: \(reason)"
        case let .unsupportedVersion(url, version):
            return "\(url.path): index format version \(version) is newer than this cbr understands"
        case let .corruptShard(url, reason): return "\(url.path): corrupt shard: \(reason)"
        case let .corruptIndex(url, reason): return "corrupt index: \(url.path): \(reason)"
        case let .indexChanged(url, from, to):
            return "\(url.path): index changed during the search (generation \(from) -> \(to)), retry"
        case let .dimensionMismatch(url, expected, found):
            return "\(url.path): dimension mismatch: the index has d = \(expected), got d = \(found)"
        case let .dtypeMismatch(url, expected, found):
            return "\(url.path): dtype mismatch: the index stores \(expected.rawValue), got \(found.rawValue)"
        case let .unknownClass(name): return "no class named \"\(name)\" in the index"
        case let .unknownClassID(id): return "no class with id \(id) in the index"
        case let .busy(url): return "\(url.path): another process is writing this index"
        case let .badInput(reason): return reason
        }
    }
}
