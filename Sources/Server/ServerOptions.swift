import Foundation

/// How `cbr serve` listens, gathers queries and bounds its work.
public struct ServerOptions: Sendable {
    /// The address to listen on (loopback by default: the server has no authentication).
    public var host = "127.0.0.1"
    /// The port (0: any free port; the one chosen is printed).
    public var port = 8080
    /// Largest request body accepted (bytes).
    public var maxBody = 20 << 20
    /// How long the first query of a batch waits for others before the batch runs (seconds; 0: no wait).
    public var window = 0.003
    /// Images per forward pass and search at most.
    public var maxBatch = 32
    /// Requests being read, decoded or classified at once; more are refused with 503.
    public var maxInFlight = 64
    /// Threads of the network and the search (the decode runs on as many).
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// How often the manifest's generation is checked for a committed change (seconds).
    public var reloadInterval = 0.25
    /// Where the indexed images' relative ids are found (`GET /image`; nil: only absolute ids are served).
    public var images: URL?
    /// The model file (default: the index's).
    public var model: URL?

    public init() {}
}
