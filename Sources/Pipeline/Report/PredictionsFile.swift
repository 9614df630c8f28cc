import Foundation

/// The answers of a `cbr classify --format jsonl [--explain N]` file, read back for a report. Every line is
/// untrusted: a line that is not such an answer is a failure naming the file and line, and the rest are read.
public struct PredictionsFile: Sendable {
    public struct Answer: Sendable, Equatable {
        public struct Class: Sendable, Equatable {
            public var name: String
            public var score: Float?
            public var neighbours: [Evidence]
        }

        public var image: String
        public var classes: [Class]
        /// The line it was read from (1-based).
        public var line: Int
    }

    /// The largest predictions file read (its answers and thumbnails are held in memory).
    public static let maxBytes = 256 << 20

    public var answers: [Answer] = []
    /// `line: reason` for each line that could not be read.
    public var problems: [(line: Int, reason: String)] = []

    public init(contentsOf path: String) throws {
        let bytes = try SmallFile.bytes(path, limit: Self.maxBytes, what: "predictions file")
        for (offset, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { continue }
            switch Self.answer(Data(line), line: offset + 1) {
            case .success(let answer): answers.append(answer)
            case .failure(let problem): problems.append((offset + 1, problem.text))
            }
        }
    }

    struct LineProblem: Error { var text: String }

    static func answer(_ data: Data, line: Int) -> Result<Answer, LineProblem> {
        Result { () throws(LineProblem) in try parse(data, line: line) }
    }

    private static func parse(_ data: Data, line: Int) throws(LineProblem) -> Answer {
        guard let object = try? JSONSerialization.jsonObject(with: data), let record = object as? [String: Any] else {
            throw LineProblem(text: "not a JSON object")
        }
        guard let image = record["image"] as? String else { throw LineProblem(text: "no \"image\" string") }
        guard let predictions = record["predictions"] as? [Any] else { throw LineProblem(text: "no \"predictions\" list") }
        var classes: [Answer.Class] = []
        for item in predictions {
            guard let prediction = item as? [String: Any], let name = prediction["class"] as? String else {
                throw LineProblem(text: "a prediction without a \"class\" string")
            }
            var neighbours: [Evidence] = []
            for entry in prediction["neighbors"] as? [Any] ?? [] {
                guard let neighbour = entry as? [String: Any], let id = neighbour["id"] as? String else {
                    throw LineProblem(text: "a neighbor without an \"id\" string")
                }
                neighbours.append(Evidence(id: id, score: number(neighbour["score"]) ?? -.infinity))
            }
            classes.append(Answer.Class(name: name, score: number(prediction["score"]), neighbours: neighbours))
        }
        return Answer(image: image, classes: classes, line: line)
    }

    /// A finite JSON number as a Float; nil for `null`, a missing value or anything else.
    static func number(_ value: Any?) -> Float? {
        guard let number = value as? NSNumber, !(value is Bool) else { return nil }
        let float = number.floatValue
        return float.isFinite ? float : nil
    }
}
