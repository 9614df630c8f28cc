import Foundation

/// Reads a CSV file record by record without loading it whole (GLDv2's train.csv is hundreds of MB).
/// Fields follow RFC 4180: separated by commas, optionally quoted with `"`, a doubled `""` inside quotes
/// being a literal quote. Records are one line each (GLDv2 has no embedded newlines); `\r\n` is accepted.
struct CSVReader {
    private let handle: FileHandle
    private let path: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private(set) var lineNumber = 0

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PipelineError(file: path, reason: .unreadableCSV(detail: "cannot open CSV file"))
        }
        self.handle = handle
        self.path = path
    }

    /// The next record's fields, or nil at the end of the file. Blank lines are skipped.
    mutating func next() throws -> [String]? {
        while let line = try nextLine() {
            lineNumber += 1
            if line.isEmpty { continue }
            return try Self.fields(of: line, path: path, line: lineNumber)
        }
        return nil
    }

    private mutating func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = buffer[start..<end]
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                var line = buffer[start...]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                start = buffer.count
                return line
            }
            buffer.removeFirst(start)
            start = 0
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw PipelineError(file: path, reason: .unreadableCSV(detail: "read failed: \(error.localizedDescription)"))
            }
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }

    static func fields(of line: ArraySlice<UInt8>, path: String, line number: Int) throws -> [String] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        var fields: [String] = []
        var field: [UInt8] = []
        var index = line.startIndex
        var quoted = false
        while index < line.endIndex {
            let byte = line[index]
            if quoted {
                if byte == quote {
                    if index + 1 < line.endIndex, line[index + 1] == quote {
                        field.append(quote)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == comma {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            } else if byte == quote && field.isEmpty {
                quoted = true
            } else {
                field.append(byte)
            }
            index += 1
        }
        guard !quoted else {
            throw PipelineError(file: path, reason: .malformedCSV(line: number, detail: "unterminated quoted field"))
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }
}
