#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A minimal HTTP/1.1 client over a loopback TCP socket (one request per connection, `Connection: close`),
/// so the tests can also send what no well-behaved client would.
struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: Data

    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
    var text: String { String(decoding: body, as: UTF8.self) }
}

struct HTTPClientError: Error, CustomStringConvertible {
    var description: String
}

enum HTTPClient {
    /// Sends `raw` bytes to 127.0.0.1:`port` and reads the whole reply (until the server closes).
    static func exchange(port: Int, raw: Data, timeout: Int = 120) throws -> Data {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HTTPClientError(description: "connect: \(String(cString: strerror(errno)))") }
        try raw.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let n = send(fd, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                // The server may answer (413) and close before reading the whole body: stop sending then.
                if n <= 0 { if errno == EPIPE || errno == ECONNRESET { break }; throw HTTPClientError(description: "send: \(String(cString: strerror(errno)))") }
                sent += n
            }
        }
        shutdown(fd, Int32(SHUT_WR))
        var reply = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { reply.append(contentsOf: buffer[0..<n]); continue }
            if n == 0 || errno == ECONNRESET { break }
            throw HTTPClientError(description: "recv: \(String(cString: strerror(errno)))")
        }
        return reply
    }

    static func request(port: Int, method: String = "GET", path: String, headers: [String: String] = [:],
                        body: Data = Data()) throws -> HTTPReply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return try parse(try exchange(port: port, raw: Data(head.utf8) + body))
    }

    /// A POST of `file` as a multipart/form-data upload (as a browser's form or `curl -F image=@file`).
    static func upload(port: Int, path: String, file: Data, name: String = "photo.jpg") throws -> HTTPReply {
        let boundary = "cbr-test-\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8)
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"\(name)\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
        body += file + Data("\r\n--\(boundary)--\r\n".utf8)
        return try request(port: port, method: "POST", path: path,
                           headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"], body: body)
    }

    static func parse(_ reply: Data) throws -> HTTPReply {
        let bytes = [UInt8](reply)
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }) else {
            throw HTTPClientError(description: "no HTTP reply: \(String(decoding: reply.prefix(200), as: UTF8.self))")
        }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPClientError(description: "bad status line: \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunked(body) }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    private static func dechunked(_ data: Data) -> Data {
        var out = Data(), rest = [UInt8](data)
        while let lineEnd = (0..<max(0, rest.count - 1)).first(where: { rest[$0] == 13 && rest[$0 + 1] == 10 }),
              let size = Int(String(decoding: rest[0..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16), size > 0,
              lineEnd + 2 + size <= rest.count {
            out.append(contentsOf: rest[(lineEnd + 2)..<(lineEnd + 2 + size)])
            rest = Array(rest[min(rest.count, lineEnd + 4 + size)...])
        }
        return out
    }
}
