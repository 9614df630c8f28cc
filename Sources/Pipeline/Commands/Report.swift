import Foundation

extension Commands {
    /// Where `cbr report` finds each image's true class.
    public enum Truth: Sendable {
        /// A CSV file of `image,class` rows (a first row `image,class` is a header).
        case file(String)
        /// The name of the folder holding the image (a class-per-folder query set).
        case folders
    }

    /// `cbr report`: the answers of `predictions` (`classify --format jsonl`, with `--explain N` for
    /// neighbours) as a self-contained HTML contact sheet in `out`. Lines that are not answers are listed on
    /// stderr (exit 1); images that cannot be shown appear by name.
    /// Neighbours' ids that are relative paths are looked up under `images` (the folder the index was built
    /// from); the answers' own image paths are read as written.
    public static func report(_ predictions: String, out: String, truth: Truth?, images: String?, limit: Int,
                              threads: Int, console: Console) throws {
        let file = try PredictionsFile(contentsOf: predictions)
        for problem in file.problems {
            try console.failure(path: "\(predictions):\(problem.line)", reason: problem.reason)
        }
        let judge: ((String) -> String?)?
        switch truth {
        case nil: judge = nil
        case .folders: judge = { (($0 as NSString).deletingLastPathComponent as NSString).lastPathComponent }
        case .file(let path):
            let table = try truthTable(path)
            judge = { table[$0] }
        }
        let sheet = ContactSheet(file.answers, truth: judge, limit: limit)
        let location = { (id: String) -> String in
            guard let images, !id.hasPrefix("/") else { return id }
            return (images as NSString).appendingPathComponent(id)
        }
        let queries = Set(sheet.entries.map(\.answer.image))
        let thumbnails = Thumbnails(Set(sheet.images.map { queries.contains($0) ? $0 : location($0) }), side: 160, threads: threads)
        let thumbnail = { (path: String) in thumbnails[path] ?? thumbnails[location(path)] }
        let title = "cbr report: " + (predictions as NSString).lastPathComponent
        try AtomicOutput.write(to: out) { output in
            let text = output.text()
            try text.write(sheet.html(title: title, thumbnail: thumbnail))
            try text.flush()
        }
        let missing = sheet.images.filter { thumbnail($0) == nil }.count
        try console.note("wrote \(out): \(sheet.entries.count) answers"
                         + (missing > 0 ? " (\(missing) of \(sheet.images.count) images could not be shown)" : ""))
    }

    /// `image,class` rows of a truth CSV.
    static func truthTable(_ path: String) throws -> [String: String] {
        var reader = try CSVReader(path: path)
        var table: [String: String] = [:]
        while let fields = try reader.next() {
            guard fields.count >= 2 else {
                throw PipelineError(file: path, reason: .malformedCSV(line: reader.lineNumber, detail: "expected image,class"))
            }
            if reader.lineNumber == 1 && fields[0] == "image" && fields[1] == "class" { continue }
            table[fields[0]] = fields[1]
        }
        return table
    }
}
