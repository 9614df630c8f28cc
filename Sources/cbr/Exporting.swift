import Foundation
import ONNXExport
import Pipeline
import ShardedIndex

/// `cbr export`'s work: the index and its model → the ONNX file (and its data file), written atomically.
enum Exporting {
    static func export(index: URL, out: String, model explicit: URL?, options: ExportOptions, producerVersion: String,
                       console: Console) throws {
        let output = try AtomicOutput(out)
        let started = Date()
        let reader = try ShardedIndexReader(directory: index)
        let embedder: EmbeddingModel
        if reader.manifest.model == nil {
            // An index of imported embeddings records no model: the caller names it.
            guard let explicit else {
                throw CLIError.input(path: index.path, reason: "the index records no model (imported embeddings): give --model")
            }
            embedder = try EmbeddingModel.load(explicit)
        } else {
            embedder = try EmbeddingModel.forIndex(reader.manifest, index: index, explicit: explicit)
        }
        // The graph runs the network's own embedding: one size, average pooling, no mirror image.
        guard embedder.descriptor.isStandard else {
            throw CLIError.input(path: index.path, reason: "the index embeds photos with descriptor \(embedder.descriptor); "
                + "an exported model embeds as the network does (avg, one size, no flip): build the index without --pool/--flip/--scales")
        }
        let exported = try ClassifierExport.build(model: embedder.model, index: reader, options: options,
                                                  producerVersion: producerVersion)
        var dataNote = ""
        if let threshold = exported.externalThreshold(options) {
            let dataName = URL(fileURLWithPath: out).lastPathComponent + ".data"
            let dataOutput = try AtomicOutput(out + ".data")
            let bytes = try AtomicOutput.commit(dataOutput) { dataOutput in
                try output.closeDescriptor()
                try dataOutput.closeDescriptor()
                let sink = try BinaryFile(dataOutput)
                let model = try exported.serialized(external: (threshold, dataName, { try sink.write($0) }))
                try sink.finish()
                return model
            }
            try AtomicOutput.commit(output) { output in try BinaryFile(output).finishing(bytes) }
            dataNote = " (tensors in \(out).data)"
        } else {
            let bytes = try exported.serialized()
            try AtomicOutput.commit(output) { output in
                try output.closeDescriptor()
                try BinaryFile(output).finishing(bytes)
            }
        }
        let r = exported.recipe
        try console.print("\(out): \(r.backbone) \(r.inputSize) px, \(r.classes) classes, \(r.aggregation.rawValue) over "
            + "\(r.retrievalRows) rows, \(r.weights.rawValue) weights, \(exported.tensorBytes) bytes of tensors\(dataNote), "
            + String(format: "%.1f s", Date().timeIntervalSince(started)))
    }

    /// `cbr export --info`: the recipe, the classes (the first ten) and the graph's interface.
    static func describe(_ url: URL, console: Console) throws {
        let info = try ExportedModelInfo(contentsOf: url)
        let r = info.recipe
        var lines = [
            "model:       \(url.path)",
            "producer:    \(info.producer), opset \(info.opset), \(info.nodeCount) nodes, \(info.tensorBytes) bytes of tensors"
                + (info.externalFiles.isEmpty ? "" : " (external: \(info.externalFiles.joined(separator: ", ")))"),
            "backbone:    \(r.backbone) (\(r.modelChecksum)), embedding \(r.embedding)",
            "input:       \(r.input)",
            "preprocess:  resize \(r.preprocessing.resize); crop \(r.preprocessing.crop); in the graph (x − \(r.preprocessing.mean)) / \(r.preprocessing.std)",
            "query:       transform \(r.queryTransform)",
            "aggregation: \(r.aggregation.rawValue) over \(r.retrievalRows) rows, \(r.weights.rawValue) weights, top \(r.top)",
            "index:       \(r.index.path) (generation \(r.index.generation), \(r.index.rows) rows, d = \(r.index.dimension), "
                + "\(r.index.dtype); \(r.index.classesLeftOut) classes left out)",
            "classes:     \(info.classNames.count): " + info.classNames.prefix(10).joined(separator: ", ")
                + (info.classNames.count > 10 ? ", …" : ""),
        ]
        lines += info.inputs.map { "input:       \($0)" } + info.outputs.map { "output:      \($0)" }
        try console.print(lines.joined(separator: "\n"))
    }
}

/// Raw bytes into an output's temporary file (which the output's own descriptor, closed, no longer writes).
private final class BinaryFile {
    let handle: FileHandle
    let name: String

    init(_ output: AtomicOutput) throws {
        name = output.path.description
        guard let handle = FileHandle(forWritingAtPath: output.temporary.description) else {
            throw CLIError.write(path: name, reason: "cannot open the temporary file")
        }
        self.handle = handle
    }

    func write(_ data: Data) throws {
        do { try handle.write(contentsOf: data) } catch { throw CLIError.write(path: name, reason: Self.reason(error)) }
    }

    /// Flushes to disk and closes.
    func finish() throws {
        do {
            try handle.synchronize()
            try handle.close()
        } catch { throw CLIError.write(path: name, reason: Self.reason(error)) }
    }

    func finishing(_ data: Data) throws {
        try write(data)
        try finish()
    }

    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? ns.localizedDescription
    }
}
