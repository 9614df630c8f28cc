import Foundation

/// Counts the requests being served and refuses more than `limit` at once (their bodies, decoded images
/// and queued queries are what the server holds in memory).
final class InFlight: @unchecked Sendable {
    private let limit: Int
    private var count = 0
    private let lock = NSLock()

    init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a slot, or returns false when all are taken.
    func enter() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard count < limit else { return false }
        count += 1
        return true
    }

    func leave() { lock.withLock { count -= 1 } }
}
