import Foundation

/// A one-line progress meter (count, rate, ETA) on stderr, shown only when stderr is a terminal.
final class Progress {
    private let total: Int
    private let label: String
    private let start = Date()
    private let enabled = isatty(STDERR_FILENO) != 0
    private var done = 0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func advance(by count: Int) {
        done += count
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start), rate = Double(done) / max(elapsed, 1e-9)
        let eta = rate > 0 ? Double(total - done) / rate : 0
        FileHandle.standardError.write(Data(String(format: "\r%@ %d/%d  %.1f/s  ETA %.0fs ", label, done, total,
                                                   rate, eta).utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
