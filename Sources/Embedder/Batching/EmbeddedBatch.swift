import Foundation

/// One batch out of `ImageEmbedder.run`: the files that were prepared (in input order) with their
/// L2-normalised embeddings and logits, and the files that failed with their errors.
public struct EmbeddedBatch: Sendable {
    /// Positions in the input list of the prepared files.
    public var indices: [Int]
    public var files: [URL]
    /// `[files.count × dimension]`, L2-normalised rows.
    public var embeddings: [Float]
    /// `[files.count × classCount]` ImageNet logits.
    public var logits: [Float]
    public var failures: [Failure]
    public let dimension: Int
    public let classCount: Int

    public struct Failure: Sendable {
        public var index: Int
        public var file: URL
        public var error: any Error
    }

    public var count: Int { files.count }

    public func embedding(_ row: Int) -> ArraySlice<Float> { embeddings[(row * dimension)..<((row + 1) * dimension)] }

    public func logits(_ row: Int) -> ArraySlice<Float> { logits[(row * classCount)..<((row + 1) * classCount)] }
}
