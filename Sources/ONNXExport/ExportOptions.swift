/// What `cbr export` builds: the aggregation layer, how weights are stored, the top-K outputs, and whether
/// tensors go to an external data file.
public struct ExportOptions: Sendable, Equatable {
    /// The per-class layer after the retrieval layer.
    public enum Aggregation: String, Sendable, CaseIterable, Codable {
        /// A class scores its best row (the classification-by-retrieval rule): grouped ReduceMax over the
        /// retrieval layer's output.
        case max
        /// The mean cosine to all of the class's rows (= the cosine to its unnormalized mean embedding: one
        /// MatMul by the class means). `cbr classify --aggregate mean` averages only the rows in the top k,
        /// so the two agree when k covers the class's rows.
        case mean
        /// The cosine to the class's normalized mean embedding (the index's prototypes).
        case prototype
    }

    /// How weights are stored in the file; the graph computes in float32 either way.
    public enum WeightType: String, Sendable, CaseIterable, Codable {
        case float32
        /// Weights stored as float16, each followed by a Cast to float32 (half the file size).
        case float16
    }

    public var aggregation: Aggregation
    public var weightType: WeightType
    /// Classes in the `top_scores`/`top_classes` outputs (capped at the class count).
    public var top: Int
    /// Tensors of at least this many bytes go to `<model>.data` (ONNX external data). nil: only when the
    /// model would pass protobuf's 2 GB limit (then every tensor of at least 1 KiB does).
    public var externalDataThreshold: Int?

    public init(aggregation: Aggregation = .max, weightType: WeightType = .float32, top: Int = 5,
                externalDataThreshold: Int? = nil) {
        self.aggregation = aggregation
        self.weightType = weightType
        self.top = top
        self.externalDataThreshold = externalDataThreshold
    }

    /// Serialized protobuf messages are limited to 2 GiB; a margin is left for the graph and the metadata.
    public static let inlineLimit = (1 << 31) - (64 << 20)
    /// The threshold used when a model is too large to be one file.
    public static let automaticThreshold = 1024
}
