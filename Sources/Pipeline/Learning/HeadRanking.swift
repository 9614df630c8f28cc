import Aggregate
import Foundation

/// A head as a classifier's ranking (`--head`, with `--softmax` for probabilities as scores).
public struct HeadRanking: Sendable {
    public let head: LinearHead
    public let softmax: Bool

    func rank(_ embeddings: [Float], count: Int, top: Int) -> [[ClassScore]] {
        head.rank(embeddings, count: count, top: top, softmax: softmax)
    }
}

extension Classifier {
    /// Scores classes by the head in `file` from now on, after checking that it was fitted on this index
    /// (same generation and contents), with this model, and names live classes.
    public func useHead(_ file: String, softmax: Bool = false) throws {
        let head = try HeadFile.read(file)
        try head.check(against: manifest, index: index, head: file)
        self.head = HeadRanking(head: head, softmax: softmax)
    }
}
