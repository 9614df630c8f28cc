import Foundation

/// A one-line progress meter on stderr (count, rate, ETA), shown only when stderr is a terminal.
final class Progress {
    private let total: Int
    private let label: String
    private let start = Stopwatch.now()
    private var lastDraw: UInt64 = 0
    private let enabled = isatty(STDERR_FILENO) != 0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = Stopwatch.now()
        guard now - lastDraw > 250_000_000 || done == total else { return }
        lastDraw = now
        let elapsed = Double(now - start) / 1e9
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        FileHandle.standardError.write(Data(String(format: "\r%@ %d/%d  %.0f/s  ETA %.0f s   ",
                                                   label, done, total, rate, eta).utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
