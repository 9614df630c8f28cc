import Dispatch

enum Parallel {
    /// Runs `body` over `0..<total` split into contiguous ranges, on up to `workers` threads.
    static func ranges(_ total: Int, workers: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard workers > 1, total > 1 else {
            if total > 0 { body(0..<total) }
            return
        }
        let chunks = min(total, workers * 4)
        DispatchQueue.concurrentPerform(iterations: chunks) { i in
            body((i * total / chunks)..<((i + 1) * total / chunks))
        }
    }

    /// Runs `body` for each of `count` pieces, on up to `workers` threads.
    static func pieces(_ count: Int, workers: Int, _ body: @Sendable (Int) -> Void) {
        if workers > 1 && count > 1 {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        } else {
            for piece in 0..<count { body(piece) }
        }
    }
}
