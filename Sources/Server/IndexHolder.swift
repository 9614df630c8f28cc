import Dispatch
import Embedder
import Foundation
import Pipeline
import ShardedIndex

/// The generation the server answers from, and its reload: a timer reads the manifest's generation and,
/// when another process has committed a change (`index add`, `remove`, `compact`), loads the new one
/// beside the old and swaps them. Batches already running keep the one they took; a failed load (say, a
/// compaction deleting the shards being read) keeps the old one and is tried again at the next tick.
final class IndexHolder: @unchecked Sendable {
    let index: URL
    private let model: URL?
    private let threads: Int
    private var served: ServedIndex
    private let lock = NSLock()
    private let queue = DispatchQueue(label: "cbr.serve.reload")
    private var timer: DispatchSourceTimer?
    private var lastFailure: String?

    init(index: URL, model: URL?, threads: Int) throws {
        self.index = index
        self.model = model
        self.threads = threads
        served = try ServedIndex(index: index, model: model, threads: threads)
    }

    var current: ServedIndex { lock.withLock { served } }

    func startWatching(every interval: Double) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.reloadIfChanged() }
        timer.resume()
        self.timer = timer
    }

    func stopWatching() { timer?.cancel() }

    /// Loads the committed generation if it is not the one served (called on the reload queue).
    private func reloadIfChanged() {
        let manifest: Manifest
        do { manifest = try Manifest.load(from: index) } catch { return report(error) }
        guard manifest.generation != current.generation else { return }
        do {
            // Checked on the manifest before the rows are loaded, so that a changed descriptor is not loaded
            // again at every tick; and on what was loaded, which a commit in between may have changed.
            try checkDescriptor(try EmbeddingModel.descriptor(of: manifest, index: index))
            let next = try ServedIndex(index: index, model: model, threads: threads)
            try checkDescriptor(next.classifier.model.descriptor)
            lock.withLock { served = next }
            lastFailure = nil
            FileHandle.standardError.write(Data("cbr serve: \(index.path): now serving generation \(next.generation) (\(next.ids.count) rows)\n".utf8))
        } catch {
            report(error)
        }
    }

    /// The network embeds queries with the descriptor the server started with; rows embedded with another
    /// (an index rebuilt in place) would not match them.
    private func checkDescriptor(_ now: Descriptor) throws {
        let started = current.classifier.model.descriptor
        guard now == started else {
            throw CLIError.input(path: index.path, reason:
                "the index now records descriptor \(now), not \(started) as when the server started (restart cbr serve)")
        }
    }

    /// A failed reload, once per distinct reason.
    private func report(_ error: any Error) {
        let line = "\(error)"
        guard line != lastFailure else { return }
        lastFailure = line
        FileHandle.standardError.write(Data("cbr serve: reload: \(line) (still serving generation \(current.generation))\n".utf8))
    }
}
