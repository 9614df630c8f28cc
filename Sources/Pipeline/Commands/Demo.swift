import Aggregate
import Embedder
import Foundation
import Imaging

/// `cbr demo`: indexes scikit-image's photos (one view each, each photo its own class), then classifies
/// views of them made in memory — mirror images and off-centre crops the index has never seen — and
/// reports each answer and the accuracy.
public enum Demo {
    public struct Query: Sendable {
        public var photo: String
        public var view: String
        public var predicted: String
        public var score: Float
        public var runnerUp: String?
        public var correct: Bool { photo == predicted }
    }

    public struct Result: Sendable {
        public var indexed: Int
        public var queries: [Query]
        public var seconds: Double
        public var accuracy: Double { queries.isEmpty ? 0 : Double(queries.filter(\.correct).count) / Double(queries.count) }
    }

    /// The views asked about each photo: a name and how to make it.
    static let views: [(String, @Sendable (RGBImage) -> RGBImage)] = [
        ("mirror", { $0.mirrored() }),
        ("centre crop 60%", { $0.cropped(x: $0.width / 5, y: $0.height / 5, width: $0.width * 3 / 5, height: $0.height * 3 / 5) }),
        ("top-left crop 70%, mirrored", { $0.cropped(x: 0, y: 0, width: $0.width * 7 / 10, height: $0.height * 7 / 10).mirrored() }),
        ("bottom-right crop 75%", {
            $0.cropped(x: $0.width / 4, y: $0.height / 4, width: $0.width - $0.width / 4, height: $0.height - $0.height / 4)
        }),
    ]

    public static func run(photos: URL, index: URL, model: URL?, threads: Int,
                           line: (String) -> Void) throws -> Result {
        let clock = Date()
        let listing = ImageWalker.expand([photos.path])
        if let problem = listing.problems.first { throw PipelineError(file: problem.path, reason: .unusable(problem.reason)) }
        let files = listing.files
        guard !files.isEmpty else { throw PipelineError(file: photos.path, reason: .noPhotos) }
        let names = files.map { String(decoding: $0.name, as: UTF8.self) }
        let stems = names.map { ($0 as NSString).deletingPathExtension }
        let dataset = Dataset(classNames: stems, items: zip(files, names).enumerated().map {
            Dataset.Item(file: $0.element.0, key: $0.element.1, label: Int32($0.offset))
        })
        let summary = try IndexBuilder.run(dataset, index: index, model: model,
                                           options: .init(mode: .create, batchSize: 16, threads: threads), progress: false)
        line("indexed \(summary.indexed) photos as \(summary.classes) classes (one view each)")

        let classifier = try Classifier(index: index, model: model, options: .init(top: 2, k: 10, threads: threads))
        let network = classifier.model.embedder(batchSize: 16, threads: threads).network
        let preprocessor = Preprocessor(size: network.inputSize)
        let decoder = ImageDecoder()
        var queries: [Query] = []
        var input = [Float](repeating: 0, count: views.count * network.inputCount)
        for (file, stem) in zip(files, stems) {
            let image = try decoder.decode(data: try ImageFileReader.contents(of: file, limit: decoder.maxFileBytes),
                                           name: file.description)
            input.withUnsafeMutableBufferPointer { buffer in
                for (v, view) in views.enumerated() {
                    preprocessor.tensor(from: view.1(image), into: UnsafeMutableBufferPointer(rebasing:
                        buffer[(v * network.inputCount)..<((v + 1) * network.inputCount)]))
                }
            }
            let features = input.withUnsafeBufferPointer { network.forward($0, count: views.count).features }
            let rankings = try classifier.rank(Network.normalized(features, dimension: network.featureDimension), count: views.count)
            for (view, ranking) in zip(views, rankings) {
                let names = ranking.map { classifier.classes.name($0.classID) ?? "?" }
                let query = Query(photo: stem, view: view.0, predicted: names.first ?? "unknown",
                                  score: ranking.first?.score ?? -.infinity, runnerUp: names.dropFirst().first)
                queries.append(query)
                line("\(query.correct ? "✓" : "✗") \(stem) (\(view.0)) → \(query.predicted) "
                    + String(format: "%.3f", query.score) + (query.runnerUp.map { ", next: \($0)" } ?? ""))
            }
        }
        return Result(indexed: summary.indexed, queries: queries, seconds: Date().timeIntervalSince(clock))
    }
}

extension Commands {
    /// `cbr demo`: scikit-image's photos indexed and views of them classified; each answer and the accuracy.
    public static func demo(photos: URL?, index: URL?, model: URL?, threads: Int, console: Console) throws {
        let photos = photos ?? CBRHome.current.photos
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cbr-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var failed: (any Error)?
        let result = try Demo.run(photos: photos, index: index ?? scratch, model: model, threads: threads) { line in
            if failed == nil {
                do { try console.print(line) } catch { failed = error }
            }
        }
        if let failed { throw failed }
        let right = result.queries.filter(\.correct).count
        try console.print(String(format: "accuracy: %d/%d = %.1f%% on views the index never saw (%.1f s)",
                                 right, result.queries.count, 100 * result.accuracy, result.seconds))
    }
}
