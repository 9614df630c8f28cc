import Foundation
import Imaging
import ModelImport

/// What `index add` records of each image it embeds, so that a later run can tell whether the file at the
/// same path still holds the same content: `<bytes>:<sha256 hex>` of the file (docs/FORMAT.md, `sources`).
enum ContentFingerprint {
    /// The largest file fingerprinted: the decoder's own limit, so a file too large to embed is refused
    /// here with the same reason.
    static let maxFileBytes = ImageDecoder().maxFileBytes

    /// The fingerprint of the regular file at `path`.
    static func of(_ path: DiskPath) throws -> String {
        let data = try ImageFileReader.contents(of: path, limit: maxFileBytes)
        return "\(data.count):" + data.withUnsafeBytes { SHA256.hex($0) }
    }

    /// The fingerprints of `paths`, on up to `threads` threads, or why a file could not be read.
    static func of(_ paths: [DiskPath], threads: Int) -> [Result<String, any Error>] {
        let results = UnsafeMutableBufferPointer<Result<String, any Error>>.allocate(capacity: paths.count)
        results.initialize(repeating: .success(""))
        defer { results.deinitialize().deallocate() }
        let workers = max(1, min(threads, paths.count))
        let shared = SendableBuffer(results)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < paths.count {
                shared.buffer[i] = Result { try of(paths[i]) }
                i += workers
            }
        }
        return Array(results)
    }

    private struct SendableBuffer: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Result<String, any Error>>
        init(_ buffer: UnsafeMutableBufferPointer<Result<String, any Error>>) { self.buffer = buffer }
    }
}
