import Foundation
import Imaging

extension ImageEmbedder {
    /// Decode (EXIF orientation applied, RGB) then Pillow-exact resize, centre crop and (x − 127)/128.
    public static func imagePreparation(size: Int, decoder: ImageDecoder = ImageDecoder()) -> Prepare {
        imagePreparation(input: DescriptorInput(sizes: [size]), decoder: decoder)
    }

    /// The same at each of a descriptor's input sizes (`DescriptorInput`), from one decode.
    public static func imagePreparation(input: DescriptorInput, decoder: ImageDecoder = ImageDecoder()) -> Prepare {
        { url, buffer in input.write(try decoder.decode(contentsOf: url), into: buffer) }
    }
}
