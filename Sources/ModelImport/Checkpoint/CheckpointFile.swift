import Foundation

/// Reads a checkpoint or wheel whole, refusing files larger than `limit` before reading them.
enum CheckpointFile {
    static func read(_ url: URL, limit: Int) throws(CheckpointError) -> [UInt8] {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            let size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
            guard size <= UInt64(limit) else {
                throw CheckpointError(file: url.path, reason: .tooLarge(bytes: size, limit: limit))
            }
            data = try Data(contentsOf: url)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(file: url.path, reason: .unreadable(detail: error.localizedDescription))
        }
        // The file may have grown since it was measured.
        guard data.count <= limit else {
            throw CheckpointError(file: url.path, reason: .tooLarge(bytes: UInt64(data.count), limit: limit))
        }
        return [UInt8](data)
    }
}
