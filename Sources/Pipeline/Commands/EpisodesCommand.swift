import Foundation
import Imaging
import ShardedIndex

extension Commands {
    /// `cbr eval --episodes N`: few-shot episodes over `dataset` embedded once with the index's model, or
    /// over the index's own rows when `dataset` is nil; the table (or JSON) on standard output.
    public static func episodes(_ dataset: Dataset?, index: URL, model: URL?, options: Episodes.Options, json: Bool,
                                batchSize: Int, threads: Int, decode: DecodeMode, console: Console) throws {
        let set: LabelledRows
        if let dataset {
            try report(dataset.problems, on: console)
            let manifest = try Manifest.load(from: index)
            let embedding = try EmbeddingModel.forIndex(manifest, index: index, explicit: model)
            set = try LabelledRows.embedding(dataset, model: embedding, batchSize: batchSize, threads: threads,
                                             decode: decode) { try console.failure($0) }
        } else {
            set = try LabelledRows.index(index)
        }
        let rows = try Episodes.run(set, options: options)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try console.print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            try console.print(Episodes.summary(rows, options: options))
        }
    }
}
