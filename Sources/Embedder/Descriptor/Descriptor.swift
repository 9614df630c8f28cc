import Foundation

/// How a photo becomes its embedding around the network itself (docs/accuracy.md, "Descriptors"): the
/// pooling of the last feature map, and averaging over the horizontally flipped photo and over several
/// input sizes. Each (scale, flip) pass gives one pooled vector; the L2-normalised vectors are summed and the
/// sum L2-normalised. The index records its descriptor and every query is embedded the same way.
///
/// `standard` (average pooling, the model's own size, no flip) is the network's own embedding, bit for bit.
public struct Descriptor: Sendable, Hashable, CustomStringConvertible {
    public enum Pooling: Sendable, Hashable {
        /// The network's global average pool.
        case average
        /// Generalized mean, `(mean over pixels of max(x, ε)^p)^(1/p)` per channel (GeM).
        case gem(Float)
    }

    public let pooling: Pooling
    /// Whether the horizontally mirrored photo is embedded too.
    public let flip: Bool
    /// Input sizes relative to the model's (1: its own), each rounded half-to-even to whole pixels.
    public let scales: [Double]

    /// The network's own embedding.
    public static let standard = Descriptor(checked: .average, flip: false, scales: [1])

    /// Scales allowed (a quarter to twice the model's size), at most `maxScales` of them, and at most
    /// `maxWork` times the work of the standard embedding in all.
    public static let scaleRange = 0.25...2.0
    public static let maxScales = 8
    public static let maxWork = 16.0
    /// GeM exponents allowed.
    public static let exponentRange: ClosedRange<Float> = 1...16

    public init(pooling: Pooling = .average, flip: Bool = false, scales: [Double] = [1]) throws(DescriptorError) {
        if case .gem(let p) = pooling, !(p.isFinite && Self.exponentRange.contains(p)) {
            throw .badPooling("gem:\(p)", "the exponent must be within \(Self.format(Double(Self.exponentRange.lowerBound)))…\(Self.format(Double(Self.exponentRange.upperBound)))")
        }
        guard !scales.isEmpty, scales.count <= Self.maxScales else {
            throw .badScales("\(scales.count) scales: give 1…\(Self.maxScales)")
        }
        for s in scales where !(s.isFinite && Self.scaleRange.contains(s)) {
            throw .badScales("\(s) is outside \(Self.scaleRange.lowerBound)…\(Self.scaleRange.upperBound)")
        }
        guard Set(scales).count == scales.count else { throw .badScales("a scale is given twice") }
        self.init(checked: pooling, flip: flip, scales: scales)
        guard work <= Self.maxWork else {
            throw .badScales("the passes cost " + String(format: "%.2f", work) + "× the standard embedding's work (at most \(Self.format(Self.maxWork))×)")
        }
    }

    private init(checked pooling: Pooling, flip: Bool, scales: [Double]) {
        self.pooling = pooling
        self.flip = flip
        self.scales = scales
    }

    public var isStandard: Bool { self == .standard }

    /// Images run per photo at each size: the photo, and its mirror image with flip.
    public var views: Int { flip ? 2 : 1 }

    /// The work of one photo relative to the standard embedding: Σ scale² over the scales, times `views`.
    public var work: Double { scales.reduce(0) { $0 + $1 * $1 } * Double(views) }

    /// Network passes per photo.
    public var passes: Int { scales.count * views }

    /// The square input side of each scale for a model of side `modelSize`.
    public func inputSizes(modelSize: Int) -> [Int] {
        scales.map { max(1, Int((Double(modelSize) * $0).rounded(.toNearestOrEven))) }
    }

    /// `avg` or `gem:P`, as `--pool` takes it.
    public var poolingText: String {
        switch pooling {
        case .average: "avg"
        case .gem(let p): "gem:" + (p == p.rounded() ? String(Int(p)) : "\(p)")
        }
    }

    /// `1,0.7071,1.4142`, as `--scales` takes it.
    public var scalesText: String { scales.map(Self.format).joined(separator: ",") }

    /// One line: `gem:3, flip, scales 1,0.7071,1.4142` (`avg` for the standard descriptor).
    public var description: String {
        let parts = [poolingText] + (flip ? ["flip"] : []) + (scales == [1] ? [] : ["scales \(scalesText)"])
        return parts.joined(separator: ", ")
    }

    // MARK: - Parsing

    /// `avg`, `gem` (p = 3) or `gem:P`.
    public static func pooling(parsing text: String) throws(DescriptorError) -> Pooling {
        if text == "avg" { return .average }
        if text == "gem" { return .gem(3) }
        guard text.hasPrefix("gem:"), let p = Float(text.dropFirst(4)) else {
            throw .badPooling(text, "give avg, gem or gem:P")
        }
        return .gem(p)
    }

    /// A comma-separated list of scales: `1,0.7071,1.4142`.
    public static func scales(parsing text: String) throws(DescriptorError) -> [Double] {
        var scales: [Double] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let s = Double(String(part).trimmingCharacters(in: .whitespaces)) else {
                throw .badScales("\"\(part)\" is not a number")
            }
            scales.append(s)
        }
        return scales
    }

    /// Shortest decimal text that reads back as the same value (`1`, `0.7071`, `3`).
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}

/// A descriptor option that cannot be used, as one line.
public enum DescriptorError: Error, Sendable, Equatable, CustomStringConvertible {
    case badPooling(String, String)
    case badScales(String)

    public var description: String {
        switch self {
        case .badPooling(let text, let why): "pooling \"\(text)\": \(why)"
        case .badScales(let why): "scales: \(why)"
        }
    }
}
