/// The documented limits of cbr's options and input files: anything larger would only exhaust memory
/// (the buffers are sized from these numbers), so it is refused up front with the limit named.
public enum Limits {
    /// Neighbours per query (`--k`): k × queries scores and ids are held per search.
    public static let neighbours = 1...10_000
    /// Classes reported per image (`--top`).
    public static let top = 1...1_000
    /// Images per forward pass (`--batch`): each holds the network's activations.
    public static let batch = 1...1_024
    /// Indexed images reported behind each predicted class (`--explain`): at most k of them exist.
    public static let explain = 0...1_000
    /// Threads (`--threads`).
    public static let threads = 1...256
    /// Queries gathered per search (`--search-batch`).
    public static let searchBatch = 1...65_536
    /// Rows per shard (`--shard-rows`).
    public static let shardRows = 1...1_048_576
    /// Rows read per step of `index import` (`--read-rows`) and index rows per streamed block (`--block-rows`).
    public static let rows = 1...1_048_576
    /// Embedding dimension of an input file.
    public static let dimension = 1...65_536
    /// Rows of an input embeddings file (big-ann's largest sets have 10⁹): rows × d stays far from overflow.
    public static let inputRows = 0...Int(UInt32.max)
    /// Floats held at once from an input file: one `index import` step, or all of `search`'s queries (4 GiB).
    public static let valuesInMemory = 1 << 30

    /// Throws a usage error naming `option` and the limit unless `value` is within `range`.
    public static func check(_ value: Int, _ option: String, _ range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw CLIError.usage("\(option) must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
    }

    /// Throws a usage error unless `value` is a finite number.
    public static func checkFinite(_ value: Float?, _ option: String) throws {
        if let value, !value.isFinite { throw CLIError.usage("\(option) must be a finite number (got \(value))") }
    }
}
