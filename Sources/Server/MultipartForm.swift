import Foundation

/// The file of a `multipart/form-data` upload (RFC 7578): the first part that carries a filename, else the
/// first part named `image` or `file`. Only what the web page and curl's `-F` send is understood; anything
/// else is a 400.
enum MultipartForm {
    /// The boundary of a `multipart/form-data; boundary=…` content type (nil for other types).
    static func boundary(of contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty || value.utf8.count > 200 ? nil : value
        }
        return nil
    }

    /// The uploaded file's bytes in `body`.
    static func file(in body: [UInt8], boundary: String) throws(RequestError) -> [UInt8] {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n\r\n".utf8)
        var named: [UInt8]?
        var position = 0
        guard let first = find(delimiter, in: body, from: 0) else {
            throw RequestError(400, "multipart body without its boundary")
        }
        position = first + delimiter.count
        while position + 2 <= body.count, !(body[position] == 45 && body[position + 1] == 45) {  // "--": the end
            guard let headerEnd = find(separator, in: body, from: position) else { break }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self).lowercased()
            let start = headerEnd + separator.count
            guard let next = find(Array("\r\n".utf8) + delimiter, in: body, from: start) else {
                throw RequestError(400, "multipart part without a closing boundary")
            }
            let content = Array(body[start..<next])
            if headers.contains("filename=") { return content }
            if named == nil, headers.contains("name=\"image\"") || headers.contains("name=\"file\"") { named = content }
            position = next + 2 + delimiter.count
        }
        guard let named else { throw RequestError(400, "multipart upload without a file part") }
        return named
    }

    /// The first index of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let head = needle.first, needle.count <= haystack.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            guard let hit = haystack[i...last].firstIndex(of: head) else { return nil }
            if haystack[hit..<(hit + needle.count)].elementsEqual(needle) { return hit }
            i = hit + 1
        }
        return nil
    }
}
