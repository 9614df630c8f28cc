import Foundation

/// A gate on the pixels being decoded at once, shared by every decoder that uses it: a decode asks for its
/// image's declared pixel count (read from the header, after the per-image limit) and waits until the total
/// held by all decodes in flight stays within `capacity`. An image larger than the whole capacity waits
/// until it can hold all of it, so it decodes alone. What a decode holds is released when it returns or
/// throws; the image it returns then belongs to the caller and is no longer counted.
public final class PixelBudget: @unchecked Sendable {
    /// 100 megapixels in flight: two images at the decoder's default per-image limit, or eight 12 MP photos.
    public static let defaultCapacity = 100_000_000

    /// The gate `ImageDecoder` uses unless given another.
    public static let shared = PixelBudget(capacity: defaultCapacity)

    /// The most pixels held at once.
    public let capacity: Int

    private let condition = NSCondition()
    private var held = 0
    private var highWater = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "PixelBudget: capacity must be positive")
        self.capacity = capacity
    }

    /// The pixels held by decodes in flight now.
    public var inFlight: Int { condition.withLock { held } }

    /// The most pixels ever held at once (never above `capacity`).
    public var peak: Int { condition.withLock { highWater } }

    /// Runs `body` while holding `pixels` (at most `capacity`) of the budget.
    public func withPixels<T, E: Error>(_ pixels: Int, _ body: () throws(E) -> T) throws(E) -> T {
        let grant = acquire(pixels)
        defer { release(grant) }
        return try body()
    }

    private func acquire(_ pixels: Int) -> Int {
        let grant = min(max(pixels, 0), capacity)
        condition.lock()
        while held > capacity - grant { condition.wait() }
        held += grant
        highWater = max(highWater, held)
        condition.unlock()
        return grant
    }

    private func release(_ grant: Int) {
        condition.lock()
        held -= grant
        condition.broadcast()
        condition.unlock()
    }
}
