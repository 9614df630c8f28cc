import Embedder
import Foundation
import Imaging

/// Uploaded bytes → the network's input, exactly as `cbr classify` prepares a file (`--decode exact`):
/// decode (JPEG/PNG, EXIF orientation), Pillow-exact resize and centre crop at each of the index's
/// descriptor sizes (`DescriptorInput`). Runs on a queue of at most
/// `threads` decodes at once, so a burst of uploads cannot decode more images than there are cores.
final class ImagePreparation: @unchecked Sendable {
    private let input: DescriptorInput
    private let decoder: ImageDecoder
    private let queue = OperationQueue()

    init(input: DescriptorInput, threads: Int) {
        self.input = input
        decoder = ImageDecoder(for: input.largest, mode: .exact)
        queue.maxConcurrentOperationCount = max(1, threads)
    }

    /// The input tensor of `bytes`; a file that is not a readable JPEG or PNG is a 415 with the decoder's reason.
    func tensor(_ bytes: [UInt8], name: String) async throws -> [Float] {
        try await withCheckedThrowingContinuation { continuation in
            queue.addOperation { [input, decoder] in
                do {
                    let image = try decoder.decode(data: Data(bytes), name: name)
                    var tensor = [Float](repeating: 0, count: input.count)
                    tensor.withUnsafeMutableBufferPointer { input.write(image, into: $0) }
                    continuation.resume(returning: tensor)
                } catch {
                    continuation.resume(throwing: RequestError(415, "not an image: \(error)"))
                }
            }
        }
    }
}
