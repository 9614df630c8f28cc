import Foundation
import Hummingbird

/// JSON responses: one encoder, infinite scores (an `unknown` with no neighbour) written as strings.
enum JSONReply {
    static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(value)) ?? Data(#"{"error":"the answer could not be encoded"}"#.utf8)
    }

    static func ok(_ value: some Encodable) -> Response { response(200, encode(value), type: "application/json") }

    /// `{"error": reason}` with the request error's status.
    static func error(_ error: RequestError) -> Response {
        response(error.status, encode(["error": error.reason]), type: "application/json")
    }

    static func response(_ status: Int, _ body: Data, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        return Response(status: HTTPResponse.Status(code: status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
