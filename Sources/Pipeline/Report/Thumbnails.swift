import Foundation
import Imaging

/// Small JPEG thumbnails of image files, as `data:` URIs for a self-contained page. Only regular files are
/// read (never a FIFO or device), no larger than the decoder's limits; a file that cannot be shown has no
/// thumbnail (the page shows its name instead).
struct Thumbnails {
    let side: Int
    private(set) var uris: [String: String] = [:]

    /// Thumbnails of every path in `paths`, decoded on `threads` threads.
    init(_ paths: Set<String>, side: Int, threads: Int) {
        self.side = side
        let list = Array(paths)
        let work = Work(count: list.count)
        let decoder = ImageDecoder()
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, list.count))) { _ in
            while let i = work.take() {
                work.store(Self.dataURI(list[i], side: side, decoder: decoder), at: i)
            }
        }
        for (path, uri) in zip(list, work.results) where uri != nil { uris[path] = uri }
    }

    subscript(path: String) -> String? { uris[path] }

    static func dataURI(_ path: String, side: Int, decoder: ImageDecoder) -> String? {
        guard let data = try? ImageFileReader.contents(of: DiskPath(argument: path), limit: decoder.maxFileBytes),
              let image = try? decoder.decode(data: data, name: path),
              let jpeg = image.thumbnail(side: side).jpegData(quality: 80) else { return nil }
        return "data:image/jpeg;base64," + Data(jpeg).base64EncodedString()
    }

    /// Hands out 0, 1, 2, … to whichever thread asks, and keeps what each made.
    private final class Work: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private(set) var results: [String?]

        init(count: Int) { results = Array(repeating: nil, count: count) }

        func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard next < results.count else { return nil }
            next += 1
            return next - 1
        }

        func store(_ result: String?, at index: Int) {
            lock.lock()
            defer { lock.unlock() }
            results[index] = result
        }
    }
}
