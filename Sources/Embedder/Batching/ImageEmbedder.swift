import Dispatch
import Foundation

/// Files → L2-normalised embeddings: a decode/preprocess stage feeding the descriptor's networks
/// (`DescriptorNetwork`), with the next batch prepared on a background thread while the current one runs.
public final class ImageEmbedder: @unchecked Sendable {
    /// Writes one image's preprocessed floats into the buffer (`descriptorNetwork.input.count` of them, laid out
    /// by `DescriptorInput.write`: one `size × size × 3` tensor for the standard descriptor), or throws why
    /// it cannot.
    public typealias Prepare = @Sendable (URL, UnsafeMutableBufferPointer<Float>) throws -> Void

    public let descriptorNetwork: DescriptorNetwork
    /// The network at the first input size (the whole embedder's network for the standard descriptor).
    public var network: Network { descriptorNetwork.networks[0] }
    public let batchSize: Int
    public let variant: Variant
    /// SHA-256 of the checkpoint the model came from.
    public let sourceChecksum: String
    private let prepare: Prepare
    private let inputs: [FloatBuffer]

    /// Threads decoding the next batch (while the network uses `threads` for the current one).
    public let decodeThreads: Int

    public init(model: FoldedModel, batchSize: Int, threads: Int, decodeThreads: Int? = nil,
                descriptor: Descriptor = .standard, prepare: @escaping Prepare) {
        precondition(batchSize >= 1, "batch size must be positive")
        self.decodeThreads = max(1, decodeThreads ?? threads)
        let network = DescriptorNetwork(model: model, descriptor: descriptor, maxBatch: batchSize, threads: threads)
        self.descriptorNetwork = network
        self.batchSize = batchSize
        variant = model.variant
        sourceChecksum = model.sourceChecksum
        self.prepare = prepare
        inputs = (0..<2).map { _ in FloatBuffer(count: batchSize * network.input.count) }
    }

    /// Where the last `run`'s time went: waiting for decoded batches (the network idle), in the network, and
    /// in total (`consume` included).
    public struct Timing: Sendable {
        public var waiting = 0.0
        public var forward = 0.0
        public var total = 0.0
        /// The share of the run the network spent waiting for the decode.
        public var idleShare: Double { total > 0 ? waiting / total : 0 }
    }

    /// The last `run`'s timing.
    public private(set) var timing = Timing()

    /// Embeds `files` batch by batch, handing each batch to `consume` in input order.
    public func run(_ files: [URL], _ consume: (EmbeddedBatch) throws -> Void) rethrows {
        let chunks = stride(from: 0, to: files.count, by: batchSize).map { $0..<min($0 + batchSize, files.count) }
        timing = Timing()
        guard !chunks.isEmpty else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { timing.total = Self.seconds(since: start) }
        var pending = startPreparing(chunks[0], of: files, into: inputs[0])
        for k in chunks.indices {
            let waited = DispatchTime.now().uptimeNanoseconds
            let prepared = pending.wait()
            timing.waiting += Self.seconds(since: waited)
            if k + 1 < chunks.count {
                pending = startPreparing(chunks[k + 1], of: files, into: inputs[(k + 1) % 2])
            }
            let buffer = UnsafeBufferPointer(start: inputs[k % 2].pointer, count: inputs[k % 2].count)
            let forwardStart = DispatchTime.now().uptimeNanoseconds
            let (embeddings, logits) = descriptorNetwork.embed(buffer, count: prepared.indices.count)
            timing.forward += Self.seconds(since: forwardStart)
            try consume(EmbeddedBatch(
                indices: prepared.indices, files: prepared.indices.map { files[$0] }, embeddings: embeddings,
                logits: logits, failures: prepared.failures, dimension: descriptorNetwork.featureDimension,
                classCount: descriptorNetwork.classCount))
        }
    }

    private static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Prepares `chunk` into `buffer` on a background task: each image into its own slot (decoding spread
    /// over `decodeThreads` threads), then the successful ones packed in order.
    private func startPreparing(_ chunk: Range<Int>, of files: [URL], into buffer: FloatBuffer) -> PreparedBatch {
        let result = PreparedBatch(count: chunk.count)
        let perImage = descriptorNetwork.input.count, prepare = self.prepare, workers = decodeThreads
        let list = Array(files[chunk]), first = chunk.lowerBound
        DispatchQueue.global().async {
            Parallel.pieces(list.count, workers: workers) { slot in
                do {
                    try prepare(list[slot], UnsafeMutableBufferPointer(start: buffer.pointer + slot * perImage,
                                                                      count: perImage))
                } catch {
                    result.record(error, slot: slot)
                }
            }
            var row = 0
            for slot in list.indices {
                if let error = result.error(slot: slot) {
                    result.failures.append(.init(index: first + slot, file: list[slot], error: error))
                    continue
                }
                if row != slot {
                    (buffer.pointer + row * perImage).update(from: buffer.pointer + slot * perImage, count: perImage)
                }
                result.indices.append(first + slot)
                row += 1
            }
            result.done.signal()
        }
        return result
    }
}

/// What the background preparation produced; read only after `wait()`.
private final class PreparedBatch: @unchecked Sendable {
    var indices: [Int] = []
    var failures: [EmbeddedBatch.Failure] = []
    let done = DispatchSemaphore(value: 0)
    private var errors: [(any Error)?]
    private let lock = NSLock()

    init(count: Int) { errors = Array(repeating: nil, count: count) }

    func record(_ error: any Error, slot: Int) { lock.withLock { errors[slot] = error } }

    func error(slot: Int) -> (any Error)? { lock.withLock { errors[slot] } }

    func wait() -> PreparedBatch {
        done.wait()
        return self
    }
}
