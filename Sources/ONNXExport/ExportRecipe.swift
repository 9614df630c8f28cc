import Foundation

/// How the exported model was made and how to feed it, stored as JSON in the model's `metadata_props`
/// under `cbr.recipe` (the class names are under `cbr.classes`, a JSON array indexed like the scores).
public struct ExportRecipe: Codable, Sendable, Equatable {
    public struct Preprocessing: Codable, Sendable, Equatable {
        /// What the caller does before the model: decode to RGB, resize, centre crop.
        public var resize: String
        /// The shorter side after resizing: round(size·256/224).
        public var shorterSide: Int
        public var crop: String
        /// In the graph: `(x − mean) / std` on the uint8 values.
        public var mean: Float
        public var std: Float
    }

    public struct IndexSource: Codable, Sendable, Equatable {
        public var path: String
        public var generation: Int
        public var rows: Int
        public var dimension: Int
        public var dtype: String
        /// Classes in the index's table that the model leaves out (removed, or without rows).
        public var classesLeftOut: Int
    }

    public static let metadataKey = "cbr.recipe"
    public static let classesKey = "cbr.classes"
    public static let formatName = "cbr-classifier"

    public var format = Self.formatName
    public var formatVersion = 1
    public var backbone: String
    /// `sha256:…` of the checkpoint the weights were folded from (as the index records it).
    public var modelChecksum: String
    public var inputSize: Int
    public var input: String
    public var preprocessing: Preprocessing
    public var embedding: String
    /// Applied to the normalized embedding before the retrieval layer: "none" until the index records a
    /// whitening or descriptor option (see `QueryTransform`).
    public var queryTransform: String
    public var aggregation: ExportOptions.Aggregation
    public var weights: ExportOptions.WeightType
    public var top: Int
    public var classes: Int
    /// Rows in the retrieval layer (max), or class rows (mean, prototype).
    public var retrievalRows: Int
    public var index: IndexSource
    public var outputs: [String: String]
    public var opset: Int

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain strings and numbers cannot fail.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
