import Embedder
import Foundation
import Hummingbird
import Logging
import NIOCore
import Pipeline

/// `cbr serve`: classification by retrieval over HTTP. `POST /classify` (an image body or a
/// multipart upload) → the classes, scores and neighbours behind them as JSON; `GET /health`,
/// `GET /index`, `GET /image?id=…` and the web page at `/`. Queries of concurrent requests are batched
/// (`QueryBatcher`); a committed change of the index is picked up without a restart (`IndexHolder`).
public final class ClassificationServer: Sendable {
    let options: ServerOptions
    let holder: IndexHolder
    let batcher: QueryBatcher
    let preparation: ImagePreparation
    let inFlight: InFlight

    /// Loads the index (and its model) and the network; nothing listens yet.
    public init(index: URL, options: ServerOptions) throws {
        self.options = options
        holder = try IndexHolder(index: index, model: options.model, threads: options.threads)
        let embedding = holder.current.classifier.model
        let network = DescriptorNetwork(model: embedding.model, descriptor: embedding.descriptor,
                                        maxBatch: options.maxBatch, threads: options.threads)
        batcher = QueryBatcher(network: network, holder: holder, window: options.window, maxBatch: options.maxBatch)
        preparation = ImagePreparation(input: network.input, threads: options.threads)
        inFlight = InFlight(limit: options.maxInFlight)
    }

    /// Serves until SIGTERM or SIGINT, then lets the requests in progress finish and returns.
    /// `started` gets the address listened on (with the port chosen when `options.port` is 0).
    public func run(started: @escaping @Sendable (String) -> Void) async throws {
        var logger = Logger(label: "cbr-serve")
        logger.logLevel = .error
        let app = Application(
            router: routes(),
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: "cbr"),
            onServerRunning: { channel in
                let address = channel.localAddress
                started("http://\(address?.ipAddress ?? "?"):\(address?.port ?? 0)/")
            },
            logger: logger)
        batcher.start()
        holder.startWatching(every: options.reloadInterval)
        defer {
            holder.stopWatching()
            batcher.stop()
        }
        try await app.runService()
    }

    private func routes() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in JSONReply.response(200, Data(WebPage.html.utf8), type: "text/html; charset=utf-8") }
        router.get("/health") { [self] _, _ in
            let served = holder.current, counts = batcher.counts
            return JSONReply.ok(Health(status: "ok", generation: served.generation, rows: served.ids.count,
                                       batches: counts.batches, images: counts.images))
        }
        router.get("/index") { [self] _, _ in JSONReply.ok(IndexSummary(holder.current)) }
        router.get("/image") { [self] request, _ in
            let id = request.uri.queryParameters.first { $0.key == "id" }.map { String($0.value) } ?? ""
            guard let file = IndexedImage.file(id: id, in: holder.current, images: options.images, limit: options.maxBody) else {
                return JSONReply.error(RequestError(404, "no indexed image with this id"))
            }
            return JSONReply.response(200, file.bytes, type: file.type)
        }
        router.post("/classify") { [self] request, _ in
            guard inFlight.enter() else { return JSONReply.error(RequestError(503, "busy: \(options.maxInFlight) requests in progress")) }
            defer { inFlight.leave() }
            do {
                return JSONReply.ok(try await classify(request))
            } catch let error as RequestError {
                return JSONReply.error(error)
            } catch {
                return JSONReply.error(RequestError(500, "\(error)"))
            }
        }
        return router
    }

    private struct Health: Encodable {
        var status: String
        var generation: Int
        var rows: Int
        var batches: Int
        var images: Int
    }

    /// The answer for one `POST /classify`.
    private func classify(_ request: Request) async throws -> Answer {
        let query = try Query(parameters: request.uri.queryParameters.map { (String($0.key), String($0.value)) })
        // An unknown class is refused before the image is read or decoded.
        _ = try holder.current.mask(for: query.filter)
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > options.maxBody {
            throw RequestError(413, "request body of \(length) bytes is larger than the limit of \(options.maxBody) bytes")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: options.maxBody)
        } catch is NIOTooManyBytesError {
            throw RequestError(413, "request body larger than the limit of \(options.maxBody) bytes")
        }
        var bytes = Array(buffer.readableBytesView)
        if let type = request.headers[.contentType], let boundary = MultipartForm.boundary(of: type) {
            bytes = try MultipartForm.file(in: bytes, boundary: boundary)
        }
        guard !bytes.isEmpty else { throw RequestError(400, "empty body: send the image (or a multipart upload)") }
        let tensor = try await preparation.tensor(bytes, name: "upload")
        return try await batcher.classify(tensor, query)
    }
}
