import Dispatch
import Foundation

/// Files → L2-normalised embeddings: a decode/preprocess stage feeding `Network`, with the next batch
/// prepared on a background thread while the current one runs through the network.
public final class Embedder: @unchecked Sendable {
    /// Writes one image's preprocessed `size × size × 3` floats into the buffer, or throws why it cannot.
    public typealias Prepare = @Sendable (URL, UnsafeMutableBufferPointer<Float>) throws -> Void

    public let network: Network
    public let batchSize: Int
    public let variant: Variant
    /// SHA-256 of the checkpoint the model came from.
    public let sourceChecksum: String
    private let prepare: Prepare
    private let inputs: [FloatBuffer]

    public init(model: FoldedModel, batchSize: Int, threads: Int, prepare: @escaping Prepare) {
        precondition(batchSize >= 1, "batch size must be positive")
        network = Network(model: model, maxBatch: batchSize, threads: threads)
        self.batchSize = batchSize
        variant = model.variant
        sourceChecksum = model.sourceChecksum
        self.prepare = prepare
        inputs = (0..<2).map { _ in FloatBuffer(count: batchSize * (model.inputSize * model.inputSize * 3)) }
    }

    /// Embeds `files` batch by batch, handing each batch to `consume` in input order.
    public func run(_ files: [URL], _ consume: (EmbeddedBatch) throws -> Void) rethrows {
        let chunks = stride(from: 0, to: files.count, by: batchSize).map { $0..<min($0 + batchSize, files.count) }
        guard !chunks.isEmpty else { return }
        var pending = startPreparing(chunks[0], of: files, into: inputs[0])
        for k in chunks.indices {
            let prepared = pending.wait()
            if k + 1 < chunks.count {
                pending = startPreparing(chunks[k + 1], of: files, into: inputs[(k + 1) % 2])
            }
            let buffer = UnsafeBufferPointer(start: inputs[k % 2].pointer, count: inputs[k % 2].count)
            let (features, logits) = network.forward(buffer, count: prepared.indices.count)
            try consume(EmbeddedBatch(
                indices: prepared.indices, files: prepared.indices.map { files[$0] },
                embeddings: Network.normalized(features, dimension: network.featureDimension), logits: logits,
                failures: prepared.failures, dimension: network.featureDimension, classCount: network.classCount))
        }
    }

    /// Prepares `chunk` into `buffer` (successful images packed in order) on a background thread.
    private func startPreparing(_ chunk: Range<Int>, of files: [URL], into buffer: FloatBuffer) -> PreparedBatch {
        let result = PreparedBatch()
        let perImage = network.inputCount, prepare = self.prepare
        let list = Array(files[chunk]), first = chunk.lowerBound
        DispatchQueue.global().async {
            var row = 0
            for (offset, file) in list.enumerated() {
                do {
                    try prepare(file, UnsafeMutableBufferPointer(start: buffer.pointer + row * perImage, count: perImage))
                    result.indices.append(first + offset)
                    row += 1
                } catch {
                    result.failures.append(.init(index: first + offset, file: file, error: error))
                }
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

    func wait() -> PreparedBatch {
        done.wait()
        return self
    }
}
