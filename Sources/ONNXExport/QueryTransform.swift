/// The hook for the index's query-side options. An index may come to record a whitening matrix or a
/// descriptor option (another change adds them to the manifest); the exported model must then apply the
/// same transform to the normalized embedding before the retrieval layer, so that it answers like
/// `cbr classify`. Until the manifest records one, the transform is the identity, and an export of an index
/// that records one must add its nodes here (and refuse what it cannot express).
enum QueryTransform: String {
    case none

    /// The transform's output value (the input itself for `.none`).
    func apply(_ embeddings: String, in graph: inout GraphBuilder) -> String {
        switch self {
        case .none: embeddings
        }
    }
}
