import Foundation

/// One benchmark's results: a human table on stdout and, with `--json FILE`, the same rows as JSON
/// together with the machine they were measured on.
struct Report: Encodable {
    var benchmark: String
    var machine: Machine
    /// Column names, in order.
    var columns: [String]
    var rows: [[Cell]]
    var notes: [String] = []

    enum Cell: Encodable, CustomStringConvertible {
        case text(String)
        case number(Double, digits: Int)

        var description: String {
            switch self {
            case .text(let s): s
            case .number(let v, let digits): v.isFinite ? String(format: "%.\(digits)f", v) : "-"
            }
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let s): try container.encode(s)
            case .number(let v, _): if v.isFinite { try container.encode(v) } else { try container.encodeNil() }
            }
        }
    }

    init(benchmark: String, columns: [String]) {
        self.benchmark = benchmark
        self.machine = .current()
        self.columns = columns
        self.rows = []
    }

    mutating func add(_ cells: [Cell]) {
        precondition(cells.count == columns.count, "a row needs one cell per column")
        rows.append(cells)
    }

    /// The table, columns right-aligned, with the machine line and notes under it.
    func render() -> String {
        let text = [columns] + rows.map { $0.map(\.description) }
        let widths = columns.indices.map { c in text.map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { String(repeating: " ", count: $1 - $0.count) + $0 }.joined(separator: "  ")
        }
        var out = ["# \(benchmark)", line(columns), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.map { line($0.map(\.description)) }
        out.append("machine: \(machine.summary)")
        out += notes.map { "note: \($0)" }
        return out.joined(separator: "\n")
    }

    /// Prints the table; writes JSON to `path` when given.
    func emit(json path: String?) throws {
        print(render())
        guard let path else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}
