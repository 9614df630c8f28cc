import Foundation
import Imaging

extension ImageEmbedder {
    /// Decode (EXIF orientation applied, RGB) then Pillow-exact resize, centre crop and (x − 127)/128.
    public static func imagePreparation(size: Int, decoder: ImageDecoder = ImageDecoder()) -> Prepare {
        let preprocessor = Preprocessor(size: size)
        return { url, buffer in
            let image = try decoder.decode(contentsOf: url)
            preprocessor.tensor(from: image, into: buffer)
        }
    }
}
