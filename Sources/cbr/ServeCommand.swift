import ArgumentParser
import CLI
import Foundation
import Pipeline
import Server

/// `cbr serve`: the index behind an HTTP API and a web page (docs/serve.md).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve classification over HTTP: POST /classify, GET /health, GET /index, a web page at /.",
        discussion: """
            Prints the address it listens on, then serves until SIGTERM or SIGINT (exit 0 once the requests \
            in progress have finished). A change committed to the index by another process (index add, remove, \
            compact) is picked up without a restart. See docs/serve.md.
            """)

    @Option(help: "The index directory.") var index: String
    @Option(help: "The address to listen on (default: loopback only).") var host = "127.0.0.1"
    @Option(help: "The port (0: any free port; the one chosen is printed).") var port = 8080
    @Option(help: "Largest request body in bytes (1…1073741824).") var maxBody = 20 << 20
    @Option(help: "Milliseconds the first query of a batch waits for others (0…1000; 0: no wait).") var window = 3.0
    @Option(help: "Images per batch at most (1…\(Limits.batch.upperBound)).") var maxBatch = 32
    @Option(help: "Requests in progress at most; more get 503 (1…100000).") var maxInFlight = 64
    @Option(help: "Seconds between checks of the index for a committed change (0.01…3600).") var reload = 0.25
    @Option(help: "The folder the index was built from: thumbnails of images indexed by relative id (<class>/<file>) are served from it.")
    var images: String?
    @Option(help: "The model file (default: the index's, else $CBR_HOME/models/efficientnet-lite0.h5).") var model: String?
    @Option(help: "Threads for the network and the search (1…\(Limits.threads.upperBound); default: every core).") var threads: Int?

    func validate() throws {
        try checkOption(port, "--port", 0...65_535)
        try checkOption(maxBody, "--max-body", 1...(1 << 30))
        try checkOption(maxBatch, "--max-batch", Limits.batch)
        try checkOption(maxInFlight, "--max-in-flight", 1...100_000)
        if let threads { try checkOption(threads, "--threads", Limits.threads) }
        guard window.isFinite, (0...1000).contains(window) else { throw ValidationError("--window must be between 0 and 1000 ms (got \(window))") }
        guard reload.isFinite, (0.01...3600).contains(reload) else { throw ValidationError("--reload must be between 0.01 and 3600 s (got \(reload))") }
    }

    func run() async throws {
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.maxBody = maxBody
        options.window = window / 1000
        options.maxBatch = maxBatch
        options.maxInFlight = maxInFlight
        options.reloadInterval = reload
        options.images = images.map { URL(fileURLWithPath: $0) }
        options.model = model.map { URL(fileURLWithPath: $0) }
        options.threads = threads ?? LocalHost.defaultThreads
        let console = Console.standard
        do {
            let server = try ClassificationServer(index: URL(fileURLWithPath: index), options: options)
            try await server.run { address in
                // One line on stdout, flushed at once: scripts read the address from it.
                FileHandle.standardOutput.write(Data("cbr serve: listening on \(address)\n".utf8))
            }
        } catch {
            console.fatal(error)
            throw ExitCode(2)
        }
    }
}
