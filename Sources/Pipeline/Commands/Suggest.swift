import Foundation

extension Commands {
    /// `cbr suggest`: CSV `image,score,top1,top2`, most unsure first, on standard output or in `out`
    /// (written whole, then renamed); photos that fail are listed on standard error.
    public static func suggest(_ inputs: [String], index: URL, model: URL?, options: Suggester.Options, out: String?,
                               console: Console) throws {
        let dataset = Dataset.unlabelled(inputs)
        try report(dataset.problems, on: console)
        let result = try Suggester.run(dataset.items.map(\.file), index: index, model: model, options: options) {
            try console.failure($0)
        }
        if let temperature = result.temperature {
            try console.note(String(format: "softmax temperature %.4g (calibrated on the index's rows)", temperature))
        }
        func write(_ output: TextOutput) throws {
            try output.write("image,score,top1,top2\n")
            for s in result.suggestions {
                try output.write([PredictionWriter.csvField(s.image), String(format: "%.6g", s.score),
                                  PredictionWriter.csvField(s.top1), PredictionWriter.csvField(s.top2)].joined(separator: ",") + "\n")
            }
            try output.flush()
        }
        if let out { try AtomicOutput.write(to: out) { try write($0.text()) } } else { try write(console.output) }
    }
}
