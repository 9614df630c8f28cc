import Foundation
import Testing
import TestSupport

@Suite struct DemoTests {
    /// `cbr demo` (what `make demo` runs) indexes every photo and classifies four unseen views of each.
    @Test func demoClassifiesUnseenViews() throws {
        let run = try CLIRun.cbr(["demo"])
        #expect(run.status == 0, "\(run.stderr)")
        let photos = try FileManager.default.contentsOfDirectory(atPath: TestData.photos.path).filter { !$0.hasPrefix(".") }
        #expect(run.stdout.contains("indexed \(photos.count) photos as \(photos.count) classes"))
        let accuracyLine = try #require(run.stdout.split(separator: "\n").last { $0.hasPrefix("accuracy: ") })
        let fraction = accuracyLine.dropFirst("accuracy: ".count).split(separator: " ").first!.split(separator: "/")
        let right = try #require(Int(fraction[0])), total = try #require(Int(fraction[1]))
        #expect(total == 4 * photos.count)
        // Only the near-identical pairs (chessboard grey/RGB, the motorcycle stereo pair) may be confused.
        #expect(Double(right) >= 0.9 * Double(total))
        #expect(run.stdout.contains("✓ chelsea (mirror) → chelsea"))
    }
}
