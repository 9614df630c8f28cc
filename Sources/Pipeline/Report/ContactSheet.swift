import Foundation

/// `cbr report`'s page: one self-contained HTML file (thumbnails inlined as `data:` URIs, no script, no
/// outside link) showing each answer's photo, its classes and the indexed images behind them. With the truth,
/// wrong answers come first, then unknown ones, then right ones.
public struct ContactSheet {
    public enum Verdict: Int, Sendable, Comparable {
        case wrong, unknown, right, unjudged

        public static func < (a: Verdict, b: Verdict) -> Bool { a.rawValue < b.rawValue }

        var label: String {
            switch self {
            case .wrong: "wrong"
            case .unknown: "unknown"
            case .right: "right"
            case .unjudged: ""
            }
        }
    }

    public struct Entry: Sendable {
        public var answer: PredictionsFile.Answer
        public var truth: String?
        public var verdict: Verdict
    }

    public private(set) var entries: [Entry]
    /// Answers read (the page shows at most `limit` of them).
    public let total: Int

    /// `answers` judged against `truth` (image → class; nil: no judging), ordered, at most `limit` kept.
    public init(_ answers: [PredictionsFile.Answer], truth: ((String) -> String?)?, limit: Int) {
        total = answers.count
        let judged = answers.map { answer -> Entry in
            guard let truth else { return Entry(answer: answer, truth: nil, verdict: .unjudged) }
            let expected = truth(answer.image)
            let first = answer.classes.first?.name
            let verdict: Verdict = first == nil || first == "unknown" ? (expected == nil ? .right : .unknown)
                : first == expected ? .right : .wrong
            return Entry(answer: answer, truth: expected ?? "(not indexed)", verdict: verdict)
        }
        // Stable: within a verdict, the file's order.
        entries = Array(judged.enumerated().sorted { ($0.element.verdict, $0.offset) < ($1.element.verdict, $1.offset) }
            .map(\.element).prefix(max(0, limit)))
    }

    /// Every image the page shows: the answers' photos and their neighbours' ids.
    public var images: Set<String> {
        Set(entries.flatMap { entry in [entry.answer.image] + entry.answer.classes.flatMap { $0.neighbours.map(\.id) } })
    }

    public func count(_ verdict: Verdict) -> Int { entries.filter { $0.verdict == verdict }.count }

    /// The page, with `thumbnail(path)` giving each image's `data:` URI when it can be shown.
    public func html(title: String, thumbnail: (String) -> String?) -> String {
        var page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
        <style>
        body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
        .answer{display:flex;gap:1em;border-top:1px solid #ddd;padding:.8em 0}
        .query img,.neighbour img{display:block;border-radius:3px}
        .query{width:170px;flex:none;word-break:break-all;font-size:12px}
        .verdict{display:inline-block;padding:0 .4em;border-radius:3px;color:#fff;font-weight:600}
        .wrong{background:#c62828}.unknown{background:#ef6c00}.right{background:#2e7d32}
        .classes{display:flex;flex-direction:column;gap:.4em}
        .class{display:flex;align-items:center;gap:.5em}
        .name{width:14em;font-weight:600}.score{color:#555;font-variant-numeric:tabular-nums}
        .neighbour{font-size:11px;color:#555;width:100px;word-break:break-all}
        .missing{width:96px;height:64px;background:#eee;display:flex;align-items:center;justify-content:center}
        </style></head><body>
        <h1>\(Self.escape(title))</h1>

        """
        var summary = "\(entries.count) of \(total) answers shown"
        if entries.contains(where: { $0.verdict != .unjudged }) {
            summary += ": \(count(.wrong)) wrong, \(count(.unknown)) unknown, \(count(.right)) right (wrong and unknown first)"
        }
        page += "<p>\(Self.escape(summary))</p>\n"
        for entry in entries { page += card(entry, thumbnail: thumbnail) }
        return page + "</body></html>\n"
    }

    private func card(_ entry: Entry, thumbnail: (String) -> String?) -> String {
        var html = "<div class=\"answer\"><div class=\"query\">" + Self.image(entry.answer.image, side: 160, thumbnail: thumbnail)
        html += "<div>\(Self.escape(entry.answer.image))</div>"
        if entry.verdict != .unjudged {
            html += "<div><span class=\"verdict \(entry.verdict.label)\">\(entry.verdict.label)</span>"
            html += " truth: \(Self.escape(entry.truth ?? ""))</div>"
        }
        html += "</div><div class=\"classes\">"
        for item in entry.answer.classes {
            html += "<div class=\"class\"><span class=\"name\">\(Self.escape(item.name))</span>"
            html += "<span class=\"score\">\(item.score.map { String(format: "%.4f", $0) } ?? "–")</span>"
            for neighbour in item.neighbours {
                html += "<div class=\"neighbour\">" + Self.image(neighbour.id, side: 96, thumbnail: thumbnail)
                html += "\(Self.escape((neighbour.id as NSString).lastPathComponent)) "
                html += "\(neighbour.score.isFinite ? String(format: "%.3f", neighbour.score) : "–")</div>"
            }
            html += "</div>"
        }
        return html + "</div></div>\n"
    }

    private static func image(_ path: String, side: Int, thumbnail: (String) -> String?) -> String {
        guard let uri = thumbnail(path) else {
            return "<div class=\"missing\" title=\"\(escape(path))\">no image</div>"
        }
        return "<img src=\"\(uri)\" style=\"max-width:\(side)px;max-height:\(side)px\" alt=\"\(escape(path))\" title=\"\(escape(path))\">"
    }

    /// Text for HTML element content and quoted attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
