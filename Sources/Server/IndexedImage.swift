import Foundation

/// `GET /image?id=…`: the file of an indexed image, for the web page's thumbnails. Served only when `id`
/// is one of the index's ids and names a regular, readable JPEG or PNG file of at most `limit` bytes;
/// anything else (another path, a directory, a FIFO, a file that is not an image) is a 404. An absolute
/// id is its own path; a relative one (a class-per-folder build records `<class>/<file>`) is looked up
/// under `images` (`--images`), and never when it has a `..` component.
enum IndexedImage {
    static func file(id: String, in served: ServedIndex, images: URL?, limit: Int) -> (bytes: Data, type: String)? {
        guard !id.isEmpty, served.rowOfID[id] != nil else { return nil }
        let path: String
        if id.hasPrefix("/") {
            path = id
        } else {
            guard let images, !id.split(separator: "/").contains("..") else { return nil }
            path = images.appendingPathComponent(id).path
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              attributes[.type] as? FileAttributeType == .typeRegular,
              let size = attributes[.size] as? Int, size > 0, size <= limit,
              let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let bytes = try? handle.read(upToCount: limit), bytes.count == size else { return nil }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return (bytes, "image/jpeg") }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return (bytes, "image/png") }
        return nil
    }
}
