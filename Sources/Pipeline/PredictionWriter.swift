import Foundation

/// Writes predictions as they come: CSV (`image,rank,class,score`, one row per predicted class, RFC 4180
/// quoting) or JSON Lines (`{"image": …, "predictions": [{"class": …, "score": …}, …]}` per image).
public final class PredictionWriter {
    public enum Format: String, Sendable, CaseIterable { case csv, jsonl }

    private let output: TextOutput
    private let format: Format
    private var buffer = ""

    public init(_ output: TextOutput, format: Format) {
        self.output = output
        self.format = format
        if format == .csv { buffer = "image,rank,class,score\n" }
    }

    public func write(image: String, predictions: [(name: String, score: Float)]) throws {
        switch format {
        case .csv:
            for (rank, p) in predictions.enumerated() {
                buffer += "\(Self.csvField(image)),\(rank + 1),\(Self.csvField(p.name)),\(Self.number(p.score))\n"
            }
        case .jsonl:
            let list = predictions.map { "{\"class\": \(Self.jsonString($0.name)), \"score\": \(Self.jsonNumber($0.score))}" }
            buffer += "{\"image\": \(Self.jsonString(image)), \"predictions\": [\(list.joined(separator: ", "))]}\n"
        }
        if buffer.utf8.count >= 1 << 16 { try flush() }
    }

    /// Hands the buffered predictions to the output and flushes it (every write checked).
    public func flush() throws {
        defer { buffer = "" }
        try output.write(buffer)
        try output.flush()
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (quotes doubled).
    public static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A JSON string literal.
    public static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func number(_ score: Float) -> String {
        score.isFinite ? String(format: "%.6f", Double(score)) : (score < 0 ? "-inf" : "inf")
    }

    /// JSON has no infinities: a query with no neighbour at all scores `null`.
    static func jsonNumber(_ score: Float) -> String { score.isFinite ? number(score) : "null" }
}
