/// How a query's neighbours become per-class scores. Only classes that have at least one neighbour in
/// the query's top k are scored; every rule ranks by score descending, ties broken by class name
/// (`vote` first breaks count ties by summed score).
public enum AggregationRule: Hashable, Sendable {
    /// The class's best neighbour score — the classification-by-retrieval rule.
    case max
    /// The mean score of the class's neighbours in the top k.
    case mean
    /// The sum of the class's neighbour scores.
    case sum
    /// The number of the class's neighbours in the top k; ties broken by their summed score, then by name.
    case vote
    /// Σ max(s, 0)^p over the class's neighbours (the Kaggle landmark-recognition rule; p = 8 by default).
    /// Negative similarities contribute nothing.
    case power(exponent: Float)
    /// Cosine between the query and the class's mean embedding. The neighbours handed to the aggregator
    /// must then come from a search over the prototypes matrix (one row per class, the normalized mean of
    /// its embeddings), so each class appears once and its score is that cosine; the rule ranks them
    /// (keeping the best entry should a class appear twice).
    case prototype

    public static let defaultPowerExponent: Float = 8

    /// The rule names the CLI accepts.
    public static let names = ["max", "mean", "sum", "vote", "power", "prototype"]

    /// Parses `max`, `mean`, `sum`, `vote`, `power` (p = 8), `power:P` (any finite P > 0), `prototype`.
    public init?(name: String) {
        switch name {
        case "max": self = .max
        case "mean": self = .mean
        case "sum": self = .sum
        case "vote": self = .vote
        case "prototype": self = .prototype
        case "power": self = .power(exponent: Self.defaultPowerExponent)
        default:
            guard name.hasPrefix("power:"), let p = Float(name.dropFirst("power:".count)),
                  p.isFinite, p > 0 else { return nil }
            self = .power(exponent: p)
        }
    }

    /// The name `init(name:)` parses back (`power:P` when P is not the default).
    public var name: String {
        switch self {
        case .max: "max"
        case .mean: "mean"
        case .sum: "sum"
        case .vote: "vote"
        case .prototype: "prototype"
        case .power(let p): p == Self.defaultPowerExponent ? "power" : "power:\(p)"
        }
    }

    /// Whether the rule needs a prototype search instead of the ordinary neighbour search.
    public var usesPrototypes: Bool { self == .prototype }
}
