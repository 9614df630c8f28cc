import Embedder
import Foundation
import Imaging

/// Reads image files for the embedder by their raw path (see `DiskPath`): only regular files, never
/// blocking on a FIFO, no larger than the decoder's limit, each failure one plain reason.
enum ImageFileReader {
    /// The whole of the regular file at `path`, at most `limit` bytes.
    static func contents(of path: DiskPath, limit: Int) throws -> Data {
        do {
            let (fd, size) = try POSIX.openRegularFile(path.bytes)
            defer { try? POSIX.close(fd) }
            guard size <= limit else {
                throw ImageError(file: path.description, reason: .fileTooLarge(bytes: size, limit: limit))
            }
            return Data(try POSIX.read(fd, count: size, at: 0))
        } catch let error as FileError {
            throw PipelineError(file: path.description, reason: .unusable(error.reason))
        }
    }

    /// Throws the plain reason (`no such file`, `is a directory`, `not a regular file`, `permission denied`)
    /// unless `path` is a readable regular file: a check before handing the path to a library whose own
    /// messages are less plain.
    static func checkReadable(_ path: String) throws {
        do {
            let (fd, _) = try POSIX.openRegularFile(DiskPath(argument: path).bytes)
            try? POSIX.close(fd)
        } catch {
            throw CLIError.input(path: path, reason: error.reason)
        }
    }

    /// Decode (JPEG/PNG, EXIF orientation), then Pillow-exact resize and crop to each of `input`'s sizes,
    /// into the buffer (a JPEG is drafted down no further than the largest size needs).
    static func preparation(input: DescriptorInput, decode: DecodeMode = .exact)
        -> @Sendable (URL, UnsafeMutableBufferPointer<Float>) throws -> Void {
        let decoder = ImageDecoder(for: input.largest, mode: decode)
        return { url, buffer in
            let path = DiskPath(url: url)
            let data = try contents(of: path, limit: decoder.maxFileBytes)
            input.write(try decoder.decode(data: data, name: path.description), into: buffer)
        }
    }
}
