import Foundation

/// A progress line on stderr — done / total, rate, ETA — redrawn at most twice a second, and only
/// when stderr is a terminal (`enabled`), so logs and pipes stay clean. A failed write is ignored (the
/// progress line is no result).
public final class ProgressLine: @unchecked Sendable {
    public let total: Int
    public let label: String
    public let enabled: Bool
    /// What is counted, for the rate: "images", "rows", …
    public let unit: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    public private(set) var done = 0

    public init(total: Int, label: String, unit: String = "images", enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = total
        self.label = label
        self.unit = unit
        self.enabled = enabled
    }

    public var elapsed: Double { Date().timeIntervalSince(start) }
    public var rate: Double { elapsed > 0 ? Double(done) / elapsed : 0 }

    public func advance(by count: Int) {
        done += count
        guard enabled, Date().timeIntervalSince(lastDraw) >= 0.5 || done >= total else { return }
        lastDraw = Date()
        draw()
    }

    /// Ends the line (when one was drawn).
    public func finish() {
        guard enabled else { return }
        if lastDraw == .distantPast || done < total { draw() }
        try? Console.standard.errors.write("\n")
    }

    private func draw() {
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "\r%@ %d/%d  %.1f %@/s  ETA %@   ", label, done, total, rate, unit, Self.clock(eta))
        try? Console.standard.errors.write(line)
    }

    /// `m:ss` or `h:mm:ss`.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
