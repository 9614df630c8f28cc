import FuzzSupport
import Foundation
import Imaging

/// JPEG/PNG decoding of arbitrary bytes, then the embedder's preprocessing of whatever decodes.
/// The pixel limit is lowered so a header declaring a large image costs milliseconds, not seconds.
private let decoder = ImageDecoder(maxPixels: 4_000_000)
private let preprocessor = Preprocessor(size: 224)
nonisolated(unsafe) private let tensor = UnsafeMutableBufferPointer<Float>.allocate(capacity: 224 * 224 * 3)

@main enum FuzzImage {
    static func main() { runFuzzer(fuzzImage) }
}

func fuzzImage(_ input: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data = input else { return 0 }
    guard let image = try? decoder.decode(data: Data(bytes: data, count: size), name: "input") else { return 0 }
    precondition(image.width > 0 && image.height > 0 && image.pixels.count == image.width * image.height * 3)
    preprocessor.tensor(from: image, into: tensor)
    return 0
}
