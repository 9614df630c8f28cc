import Foundation

/// Writes predictions as they come: CSV (`image,rank,class,score`, one row per predicted class, RFC 4180
/// quoting) or JSON Lines (`{"image": …, "predictions": [{"class": …, "score": …}, …]}` per image).
///
/// With `explain` N > 0, each predicted class also names the indexed images behind it: CSV gains the columns
/// `neighbor1,neighbor1_score,…,neighborN,neighborN_score` (empty where a class has fewer), JSON Lines a
/// `"neighbors": [{"id": …, "score": …}, …]` list in each prediction.
public final class PredictionWriter {
    public enum Format: String, Sendable, CaseIterable { case csv, jsonl }

    private let output: TextOutput
    private let format: Format
    private let explain: Int
    private var buffer = ""

    public init(_ output: TextOutput, format: Format, explain: Int = 0) {
        self.output = output
        self.format = format
        self.explain = max(0, explain)
        if format == .csv {
            buffer = "image,rank,class,score"
            for n in stride(from: 1, through: self.explain, by: 1) { buffer += ",neighbor\(n),neighbor\(n)_score" }
            buffer += "\n"
        }
    }

    public func write(image: String, predictions: [(name: String, score: Float)]) throws {
        try write(Answer(image: image, predictions: predictions, evidence: []))
    }

    public func write(_ answer: Answer) throws {
        let image = answer.image
        switch format {
        case .csv:
            for (rank, p) in answer.predictions.enumerated() {
                buffer += "\(Self.csvField(image)),\(rank + 1),\(Self.csvField(p.name)),\(Self.number(p.score))"
                if explain > 0 {
                    let evidence = rank < answer.evidence.count ? answer.evidence[rank] : []
                    for n in 0..<explain {
                        buffer += n < evidence.count ? ",\(Self.csvField(evidence[n].id)),\(Self.number(evidence[n].score))" : ",,"
                    }
                }
                buffer += "\n"
            }
        case .jsonl:
            let list = answer.predictions.enumerated().map { rank, p in
                var item = "{\"class\": \(Self.jsonString(p.name)), \"score\": \(Self.jsonNumber(p.score))"
                if explain > 0 {
                    let evidence = rank < answer.evidence.count ? answer.evidence[rank] : []
                    let neighbours = evidence.map { "{\"id\": \(Self.jsonString($0.id)), \"score\": \(Self.jsonNumber($0.score))}" }
                    item += ", \"neighbors\": [\(neighbours.joined(separator: ", "))]"
                }
                return item + "}"
            }
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
