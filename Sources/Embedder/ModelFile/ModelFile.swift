/// The engine's model file: a `FoldedModel` in a self-describing HDF5 file, readable by h5py. The reader
/// is here (`ModelFile.read`); the writer is part of the offline import (ModelImport, `ModelFile.write`).
///
/// ```
/// /                 attributes: format "cbr-efficientnet-lite", format_version 1, architecture, variant,
///                   input_size, width_multiplier, depth_multiplier, normalization_mean 127,
///                   normalization_std 128, input_layout "NHWC RGB", feature_dimension, class_count,
///                   block_count, batchnorm_epsilon (already folded), source_sha256, weight_layouts
/// /stem             weight [3, 3, 3, 32] (HWIO), bias [32]         attributes: kernel, stride, activation
/// /blocks/NN        attributes: residual (0/1), expand_ratio         (NN = 00, 01, … in order)
/// /blocks/NN/expand     weight [cin, cout], bias          (absent when expand_ratio is 1)
/// /blocks/NN/depthwise  weight [k, k, channels], bias
/// /blocks/NN/project    weight [cin, cout], bias
/// /head             weight [cin, 1280], bias [1280]
/// /classifier       weight [1280, 1000] ([features][classes]), bias [1000]
/// ```
public enum ModelFile {
    public static let format = "cbr-efficientnet-lite"
    public static let formatVersion = 1
    /// Input normalisation: (x − mean) / std on 0…255 RGB values.
    public static let normalizationMean = 127.0
    public static let normalizationStd = 128.0

    package static let layouts = "dense conv (stem): [kh][kw][cin][cout]; pointwise: [cin][cout]; "
        + "depthwise: [kh][kw][channels]; classifier: [features][classes]; activations NHWC"

    package static func blockName(_ index: Int) -> String {
        index < 10 ? "0\(index)" : "\(index)"
    }
}
