import ArgumentParser
import CLI
import Foundation
import ONNXExport
import Pipeline

extension ExportOptions.Aggregation: ExpressibleByArgument {}
extension ExportOptions.WeightType: ExpressibleByArgument {}

/// `cbr export`: the index and its embedder as one ONNX classifier model; `--info` describes one.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the classifier (network, retrieval layer, per-class aggregation) as one ONNX model.",
        discussion: """
            The model takes uint8 RGB images [N, S, S, 3] already resized and centre-cropped as cbr does \
            (docs/export.md) and outputs `scores` [N, classes], `top_scores` and `top_classes` [N, K] and the \
            `embeddings`. Class names and the recipe are in the model's metadata. Removed classes are left out. \
            The file appears only when complete; a model over 2 GB keeps its tensors in <out>.data beside it.
            """)

    @Option(help: "The index directory.") var index: String?
    @Option(help: "The ONNX model to write.") var out: String?
    @Option(help: "Per-class aggregation: max (best row), mean (mean cosine to the class's rows) or prototype.")
    var aggregate: ExportOptions.Aggregation = .max
    @Option(help: "How weights are stored: float32, or float16 (half the size; the graph computes in float32).")
    var dtype: ExportOptions.WeightType = .float32
    @Option(help: "Classes in the top_scores/top_classes outputs (1…\(Limits.top.upperBound)).") var top = 5
    @Option(help: "The model file (default: the index's; required for an index of imported embeddings).")
    var model: String?
    @Flag(help: "Keep the tensors in <out>.data (ONNX external data) even when the model is under 2 GB.")
    var externalData = false
    @Option(help: ArgumentHelp("Tensors of at least this many bytes go to <out>.data.", visibility: .hidden))
    var externalDataThreshold: Int?
    @Option(help: "Describe an exported model (classes, recipe, inputs and outputs) instead of exporting.")
    var info: String?

    func validate() throws {
        if info != nil {
            guard index == nil, out == nil else { throw ValidationError("--info takes no --index or --out") }
            return
        }
        guard index != nil else { throw ValidationError("missing --index DIR") }
        guard out != nil else { throw ValidationError("missing --out FILE") }
        try checkOption(top, "--top", Limits.top)
        if let externalDataThreshold { try checkOption(externalDataThreshold, "--external-data-threshold", 1...Int(Int32.max)) }
    }

    func run() throws {
        try runCommand { console in
            if let info { return try Exporting.describe(URL(fileURLWithPath: info), console: console) }
            guard let index, let out else { return }
            let threshold = externalDataThreshold ?? (externalData ? ExportOptions.automaticThreshold : nil)
            try Exporting.export(index: URL(fileURLWithPath: index), out: out, model: model.map { URL(fileURLWithPath: $0) },
                                 options: ExportOptions(aggregation: aggregate, weightType: dtype, top: top,
                                                        externalDataThreshold: threshold),
                                 producerVersion: CBR.configuration.version, console: console)
        }
    }
}
