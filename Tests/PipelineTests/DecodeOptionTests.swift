import Foundation
import Testing
import TestSupport

/// `--decode fast` end to end: `cbr embed` of the real JPEGs with both modes. The two large ones are drafted
/// (retina 1411 px at 1/4, hubble 1000×872 at 1/2) and their embeddings move a little; the small one (rocket,
/// 640×427) and the PNG decode exactly either way.
@Suite("--decode", .serialized)
struct DecodeOptionTests {
    static let photos = ["retina.jpg", "hubble_deep_field.jpg", "rocket.jpg", "chelsea.png"]

    @Test func fastDecodingDraftsOnlyLargeJPEGs() throws {
        let root = try TestData.temporaryDirectory("cli-decode")
        defer { try? FileManager.default.removeItem(at: root) }
        let inputs = Self.photos.map { TestData.photo($0).path }
        var files: [String] = []
        for mode in ["exact", "fast"] {
            let out = root.appendingPathComponent("\(mode).h5").path
            let run = try CLIRun.cbr(["embed"] + inputs + ["--out", out, "--decode", mode, "--batch", "2"])
            #expect(run.status == 0, "\(mode): \(run.stderr)")
            files.append(out)
        }
        let cosines = try TestData.runPython("""
            import sys, h5py, numpy as np
            a, b = (h5py.File(p)['embeddings'][:] for p in sys.argv[1:3])
            print(' '.join(f'{x:.6f}' for x in (a * b).sum(axis=1)))
            """, files).split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(cosines.count == Self.photos.count, "\(cosines)")
        for (name, cosine) in zip(Self.photos, cosines) {
            if name == "retina.jpg" || name == "hubble_deep_field.jpg" {
                #expect(cosine < 0.999_999 && cosine > 0.97, "\(name): cosine \(cosine) fast vs exact")
            } else {
                #expect(cosine > 0.999_999, "\(name): not drafted, yet cosine \(cosine)")
            }
        }
    }

    @Test func anUnknownModeIsAUsageError() throws {
        let run = try CLIRun.cbr(["predict", TestData.photo("rocket.jpg").path, "--decode", "quick"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--decode") && run.stderr.contains("quick"), "\(run.stderr)")
    }
}
