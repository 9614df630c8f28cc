import Foundation
import ShardedIndex
import Testing
import TestSupport

/// The page at `/` in a real headless browser (Debian's Chromium, installed by scripts/bootstrap): given
/// `?try=URL` the page's own JavaScript fetches that photo and posts it to `/classify` through the same
/// code path as a picked file; the answer is read from the DOM, and a screenshot is kept in
/// $CBR_HOME/artifacts/serve-page.png.
@Suite(.serialized) struct WebPageTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// What JavaScript's encodeURIComponent leaves as it is.
    static let uriComponent = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.!~*'()"))

    private func browse(_ url: String, _ extra: [String]) throws -> CLIRun {
        let browser = try #require(Self.chromium, "Chromium is not installed (scripts/bootstrap installs Debian's chromium)")
        let profile = try TestData.temporaryDirectory("chromium-profile")
        defer { try? FileManager.default.removeItem(at: profile) }
        return try CLIRun.run(executable: browser, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                                   "--no-first-run", "--user-data-dir=\(profile.path)",
                                                   "--virtual-time-budget=30000"] + extra + [url])
    }

    @Test func thePageUploadsARealPhotoAndShowsTheAnswerWithNeighbourThumbnails() throws {
        let (root, index) = try ServeTests.shared.get()
        let server = try ServeProcess(index: index, ["--images", root.appendingPathComponent("train").path])
        let ids = try ShardedIndexReader(directory: index).allIDs()
        let photo = try #require(ids.first { $0.hasPrefix("coffee/") })
        let trial = "/image?id=" + photo.addingPercentEncoding(withAllowedCharacters: Self.uriComponent)!
        let page = "http://127.0.0.1:\(server.port)/?try=" + trial.addingPercentEncoding(withAllowedCharacters: Self.uriComponent)!
        let dom = try browse(page, ["--dump-dom"])
        #expect(dom.status == 0, "\(dom.stderr.suffix(2000))")
        #expect(dom.stdout.contains("data-state=\"done\""), "\(dom.stdout.suffix(3000))")
        // The first answer is the photo's class; its neighbour thumbnails point at indexed coffee views.
        let first = try #require(dom.stdout.range(of: "<li class=\"answer\"><span class=\"name\">"))
        #expect(dom.stdout[first.upperBound...].hasPrefix("coffee</span>"), "\(dom.stdout.suffix(3000))")
        #expect(dom.stdout.contains("<img src=\"/image?id=" + photo.addingPercentEncoding(withAllowedCharacters: Self.uriComponent)!))
        #expect(dom.stdout.contains("answered from generation"))

        let artifacts = TestData.home.appendingPathComponent("artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let shot = artifacts.appendingPathComponent("serve-page.png")
        try? FileManager.default.removeItem(at: shot)
        let screenshot = try browse(page, ["--screenshot=\(shot.path)", "--window-size=1000,900", "--hide-scrollbars"])
        #expect(screenshot.status == 0, "\(screenshot.stderr.suffix(2000))")
        let png = try Data(contentsOf: shot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
        #expect(server.terminate() == 0, "\(server.errors)")
    }
}
