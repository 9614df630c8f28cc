import Foundation

/// A private copy of the real index `$CBR_FUZZ_INDEX` (made by Fuzz/seeds) in a fresh temporary folder:
/// the manifest and shard targets write each input over one of its files and open it.
public enum IndexCopy {
    public static func make(_ label: String) -> URL {
        guard let source = ProcessInfo.processInfo.environment["CBR_FUZZ_INDEX"], !source.isEmpty else {
            fatalError("set CBR_FUZZ_INDEX to the seed index (Fuzz/seeds prints it)")
        }
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("cbr-\(label)-\(UUID().uuidString)")
        do {
            try FileManager.default.copyItem(at: URL(fileURLWithPath: source), to: copy)
        } catch {
            fatalError("cannot copy \(source): \(error)")
        }
        return copy
    }

    /// Replaces `url`'s contents with the fuzz input.
    public static func write(_ data: UnsafePointer<UInt8>, _ size: Int, to url: URL) {
        do { try Data(bytes: data, count: size).write(to: url) } catch { fatalError("cannot write \(url.path): \(error)") }
    }
}
