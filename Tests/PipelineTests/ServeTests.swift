#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ShardedIndex
import Testing
import TestSupport

/// `cbr serve`, the real binary on 127.0.0.1, with the real Lite0 model and an index of augmented views
/// of the real photos; requests through a raw-socket HTTP client.
@Suite(.serialized) struct ServeTests {
    static var shared: Result<(root: URL, index: URL), any Error> { AugmentedIndex.shared }

    /// The held-out views, sorted.
    private func queries() throws -> [URL] {
        let root = try Self.shared.get().root.appendingPathComponent("query")
        return try FileManager.default.subpathsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".jpg") }.sorted()
            .map { root.appendingPathComponent($0) }
    }

    private func classify(_ port: Int, _ file: URL, _ parameters: String = "top=5") throws -> HTTPReply {
        try HTTPClient.request(port: port, method: "POST", path: "/classify?\(parameters)",
                               headers: ["Content-Type": "image/jpeg"], body: try Data(contentsOf: file))
    }

    private func classes(_ reply: HTTPReply) -> [(name: String, score: Float)] {
        (reply.json?["classes"] as? [[String: Any]] ?? []).map {
            ($0["class"] as? String ?? "", ($0["score"] as? NSNumber)?.floatValue ?? .nan)
        }
    }

    @Test func answersEqualClassifyForTheSamePhotosUnderConcurrentRequests() throws {
        let (_, index) = try Self.shared.get()
        let files = try queries()
        let cli = try CLIRun.cbr(["classify"] + files.map(\.path) + ["--index", index.path, "--top", "5"])
        #expect(cli.status == 0, "\(cli.stderr)")
        var expected: [String: [(String, Float)]] = [:]
        for line in cli.stdout.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            expected[f[0], default: []].append((f[2], Float(f[3]) ?? .nan))
        }
        let server = try ServeProcess(index: index)
        // 8 clients at once, so the server batches queries of different requests together.
        let replies = ReplyStore(count: files.count)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in stride(from: worker, to: files.count, by: 8) { replies.set(i, Result { try classify(server.port, files[i]) }) }
        }
        for (i, file) in files.enumerated() {
            let reply = try replies.get(i)
            #expect(reply.status == 200, "\(reply.text)")
            let got = classes(reply), want = expected[file.path] ?? []
            #expect(got.map(\.name) == want.map(\.0), "\(file.lastPathComponent)")
            for (a, b) in zip(got, want) { #expect(abs(a.score - b.1) <= 1e-4, "\(file.path): \(a.score) vs \(b.1)") }
            // The neighbours behind the first answer are indexed views of that class, best first.
            let first = (reply.json?["classes"] as? [[String: Any]])?.first
            let neighbours = first?["neighbours"] as? [[String: Any]] ?? []
            #expect(!neighbours.isEmpty)
            let cls = got.first?.name ?? "?"
            #expect(neighbours.allSatisfy { ($0["id"] as? String ?? "").hasPrefix("\(cls)/") })
            let scores = neighbours.compactMap { ($0["score"] as? NSNumber)?.floatValue }
            #expect(scores == scores.sorted(by: >) && abs((scores.first ?? 0) - (got.first?.score ?? 1)) <= 1e-5)
        }
        // The same photo as a multipart upload (the web page's way) gets the same answer.
        let upload = try HTTPClient.upload(port: server.port, path: "/classify?top=5", file: try Data(contentsOf: files[0]))
        #expect(upload.status == 200, "\(upload.text)")
        #expect(classes(upload).map(\.name) == (expected[files[0].path] ?? []).map(\.0))
        let health = try HTTPClient.request(port: server.port, path: "/health")
        #expect(health.status == 200 && (health.json?["images"] as? Int ?? 0) >= files.count + 1)
        // Batching happened: fewer forward passes than images.
        #expect((health.json?["batches"] as? Int ?? .max) < files.count + 1, "\(health.text)")
        #expect(server.terminate() == 0, "\(server.errors)")
    }

    @Test func classFiltersAndParametersApplyPerRequest() throws {
        let (_, index) = try Self.shared.get()
        let server = try ServeProcess(index: index)
        let coffee = try queries().first { $0.path.contains("/query/coffee/") }!
        let only = try classify(server.port, coffee, "top=5&k=5&classes=astronaut,camera")
        #expect(only.status == 200, "\(only.text)")
        #expect(Set(classes(only).map(\.name)) == ["astronaut", "camera"])
        let excluded = try classify(server.port, coffee, "top=1&exclude=coffee")
        #expect(classes(excluded).first?.name != "coffee" && classes(excluded).count == 1)
        let rejected = try classify(server.port, coffee, "top=2&threshold=1.5")
        #expect(classes(rejected).first?.name == "unknown" && classes(rejected).count == 2)
        let vote = try classify(server.port, coffee, "aggregate=vote&k=3&top=1")
        #expect(classes(vote).first?.name == "coffee" && classes(vote).first?.score == 3)
        let prototype = try classify(server.port, coffee, "aggregate=prototype&top=1")
        #expect(classes(prototype).first?.name == "coffee", "\(prototype.text)")
        #expect(server.terminate() == 0)
    }

    @Test func badRequestsGetA4xxWithAReasonAndTheServerStaysUp() throws {
        let (root, index) = try Self.shared.get()
        let server = try ServeProcess(index: index, ["--max-body", "100000", "--images", root.appendingPathComponent("train").path])
        let photo = try queries()[0]
        func post(_ body: Data, _ path: String = "/classify", type: String = "image/jpeg") throws -> HTTPReply {
            try HTTPClient.request(port: server.port, method: "POST", path: path, headers: ["Content-Type": type], body: body)
        }
        let cases: [(String, HTTPReply, Int, String)] = [
            ("text", try post(Data("hello, not an image".utf8)), 415, "not an image"),
            ("empty", try post(Data()), 400, "empty body"),
            ("truncated JPEG", try post(try Data(contentsOf: photo).prefix(600)), 415, "not an image"),
            ("too large", try post(Data(repeating: 0xFF, count: 300_000)), 413, "larger than"),
            ("unknown class", try post(try Data(contentsOf: photo), "/classify?classes=coffee,nope"), 400, "unknown class 'nope'"),
            ("bad k", try post(try Data(contentsOf: photo), "/classify?k=0"), 400, "bad parameter k=0"),
            ("bad rule", try post(try Data(contentsOf: photo), "/classify?aggregate=median"), 400, "bad parameter aggregate"),
            ("bad threshold", try post(try Data(contentsOf: photo), "/classify?threshold=nan"), 400, "finite"),
            ("unknown parameter", try post(try Data(contentsOf: photo), "/classify?kk=3"), 400, "unknown parameter"),
            ("broken multipart", try post(Data("--x\r\nContent-Disposition: form-data\r\n\r\nabc".utf8),
                                          type: "multipart/form-data; boundary=x"), 400, "multipart"),
            ("image outside the index", try HTTPClient.request(port: server.port, path: "/image?id=/etc/passwd"), 404, "no indexed image"),
            ("index directory as image", try HTTPClient.request(port: server.port, path: "/image?id=\(index.path)"), 404, "no indexed image"),
            ("path out of the images folder", try HTTPClient.request(port: server.port, path: "/image?id=../index/manifest.json"), 404, "no indexed image"),
            ("unknown path", try HTTPClient.request(port: server.port, path: "/nothing"), 404, ""),
        ]
        for (name, reply, status, reason) in cases {
            #expect(reply.status == status, "\(name): \(reply.status) \(reply.text)")
            if !reason.isEmpty {
                let message = reply.json?["error"] as? String ?? ""
                #expect(message.contains(reason), "\(name): \(reply.text)")
                #expect(!reply.text.contains("\n"), "\(name): one line")
            }
        }
        // Garbage instead of HTTP, and a connection dropped mid-body.
        _ = try? HTTPClient.exchange(port: server.port, raw: Data("\u{0}\u{1}GARBAGE\r\n\r\n".utf8), timeout: 10)
        _ = try? HTTPClient.exchange(port: server.port, raw: Data("POST /classify HTTP/1.1\r\nContent-Length: 5000\r\n\r\nabc".utf8), timeout: 2)
        // Still up, and still answering.
        #expect(try HTTPClient.request(port: server.port, path: "/health").status == 200)
        let good = try classify(server.port, photo)
        #expect(good.status == 200 && classes(good).first?.name == photo.deletingLastPathComponent().lastPathComponent)
        // An indexed image is served by its id.
        let id = try #require(try ShardedIndexReader(directory: index).allIDs().first)
        let image = try HTTPClient.request(port: server.port, path: "/image?id=" + id.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        let original = try Data(contentsOf: root.appendingPathComponent("train").appendingPathComponent(id))
        #expect(image.status == 200 && image.headers["content-type"] == "image/jpeg" && image.body == original)
        let info = try HTTPClient.request(port: server.port, path: "/index")
        #expect((info.json?["rows"] as? Int) == (try AugmentedPhotos.classNames().count) * 3)
        #expect(server.terminate() == 0, "\(server.errors)")
    }

    @Test func anIndexAddByAnotherProcessIsPickedUpWhileRequestsFlow() throws {
        let (root, _) = try Self.shared.get()
        // An index without the coffee class, served; coffee is then added by `cbr index add`.
        let without = root.appendingPathComponent("train-without-coffee")
        let coffeeOnly = root.appendingPathComponent("train-coffee")
        try? FileManager.default.removeItem(at: without)
        try? FileManager.default.removeItem(at: coffeeOnly)
        try FileManager.default.createDirectory(at: without, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: coffeeOnly, withIntermediateDirectories: true)
        for name in try AugmentedPhotos.classNames() {
            try FileManager.default.createSymbolicLink(at: (name == "coffee" ? coffeeOnly : without).appendingPathComponent(name),
                                                       withDestinationURL: root.appendingPathComponent("train/\(name)"))
        }
        let index = root.appendingPathComponent("growing-index")
        try? FileManager.default.removeItem(at: index)
        let build = try CLIRun.cbr(["index", "build", without.path, "--index", index.path])
        #expect(build.status == 0, "\(build.stderr)")
        let server = try ServeProcess(index: index, ["--reload", "0.1"])
        let coffee = try queries().first { $0.path.contains("/query/coffee/") }!
        #expect(classes(try classify(server.port, coffee)).first?.name != "coffee")
        let before = try HTTPClient.request(port: server.port, path: "/health").json?["generation"] as? Int ?? -1

        let flow = RequestFlow()
        let clients = DispatchGroup()
        let camera = try queries().first { $0.path.contains("/query/camera/") }!
        for _ in 0..<3 {
            DispatchQueue.global().async(group: clients) {
                while !flow.stopped {
                    let reply = try? classify(server.port, camera)
                    flow.record(ok: reply?.status == 200 && classes(reply!).first?.name == "camera")
                }
            }
        }
        let add = try CLIRun.cbr(["index", "add", coffeeOnly.path, "--index", index.path])
        #expect(add.status == 0, "\(add.stderr)")
        var generation = before
        let deadline = Date(timeIntervalSinceNow: 60)
        while generation == before && Date() < deadline {
            usleep(100_000)
            generation = try HTTPClient.request(port: server.port, path: "/health").json?["generation"] as? Int ?? -1
        }
        // A few more requests on the new generation, then stop the clients.
        usleep(500_000)
        flow.stop()
        clients.wait()
        #expect(generation > before, "\(server.errors)")
        #expect(flow.failed == 0 && flow.succeeded > 0, "\(flow.succeeded) ok, \(flow.failed) failed")
        let after = try classify(server.port, coffee)
        #expect(classes(after).first?.name == "coffee", "\(after.text)")
        #expect((after.json?["generation"] as? Int) == generation)
        #expect(server.errors.contains("now serving generation \(generation)"), "\(server.errors)")
        #expect(server.terminate() == 0, "\(server.errors)")
    }

    @Test func sigtermEndsTheServerWithExitCodeZeroAndAUsageErrorIsExit2() throws {
        let (root, index) = try Self.shared.get()
        let server = try ServeProcess(index: index)
        #expect(server.output.contains("listening on http://127.0.0.1:\(server.port)/"))
        #expect(try HTTPClient.request(port: server.port, path: "/").text.contains("<title>cbr"))
        #expect(server.terminate() == 0, "\(server.errors)")
        let missing = try CLIRun.cbr(["serve", "--index", root.appendingPathComponent("no-index").path, "--port", "0"])
        #expect(missing.status == 2 && missing.stderr.contains("no-index"), "\(missing.stderr)")
        let badPort = try CLIRun.cbr(["serve", "--index", index.path, "--port", "70000"])
        #expect(badPort.status == 2 && badPort.stderr.contains("--port"), "\(badPort.stderr)")
    }
}

/// Replies gathered by concurrent clients, by position.
private final class ReplyStore: @unchecked Sendable {
    private var replies: [Result<HTTPReply, any Error>?]
    private let lock = NSLock()
    init(count: Int) { replies = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ reply: Result<HTTPReply, any Error>) { lock.withLock { replies[i] = reply } }
    func get(_ i: Int) throws -> HTTPReply {
        guard let reply = lock.withLock({ replies[i] }) else { throw HTTPClientError(description: "no reply \(i)") }
        return try reply.get()
    }
}

/// The outcome of requests sent in a loop until stopped.
private final class RequestFlow: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    private(set) var succeeded = 0
    private(set) var failed = 0
    var stopped: Bool { lock.withLock { done } }
    func stop() { lock.withLock { done = true } }
    func record(ok: Bool) { lock.withLock { if ok { succeeded += 1 } else { failed += 1 } } }
}
