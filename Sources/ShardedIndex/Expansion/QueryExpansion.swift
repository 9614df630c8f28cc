import Foundation

/// α-weighted query expansion (`--qe N[:α]`, docs/accuracy.md): each query is searched again with
/// `normalize(q + Σᵢ₌₁ᴺ max(sᵢ, 0)^α · xᵢ)`, its N best neighbours `xᵢ` (similarities `sᵢ`) added to it.
public struct QueryExpansion: Sendable, Equatable, CustomStringConvertible {
    public static let neighbourLimit = 1...100
    public let neighbours: Int
    public let alpha: Float

    public init?(neighbours: Int, alpha: Float = 3) {
        guard Self.neighbourLimit.contains(neighbours), alpha.isFinite, alpha >= 0, alpha <= 20 else { return nil }
        self.neighbours = neighbours
        self.alpha = alpha
    }

    /// `N` or `N:α` (N in 1…100, α in 0…20; α defaults to 3).
    public init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let n = Int(parts[0]) else { return nil }
        let alpha = parts.count == 2 ? Float(parts[1]) : 3
        guard let alpha, let value = QueryExpansion(neighbours: n, alpha: alpha) else { return nil }
        self = value
    }

    public var description: String { "\(neighbours):\(alpha)" }

    /// The expanded queries (`count × dimension`, L2-normalized) from the first search's `results`; `rows`
    /// fetches index rows by global number (float32, in the order asked).
    /// Without `includingQueries` (database-side augmentation, where a row is its own first neighbour),
    /// each result is the weighted mean of the neighbours alone (a row with none keeps its value).
    public func expand(_ queries: [Float], count: Int, dimension d: Int, results: SearchResults,
                       includingQueries: Bool = true, rows fetch: ([Int]) throws -> [Float]) throws -> [Float] {
        var wanted: [Int] = []
        var weights: [Float] = []
        var owners: [Int] = []
        for q in 0..<count {
            for i in (q * results.k)..<(q * results.k + min(neighbours, results.k)) where results.rows[i] >= 0 {
                wanted.append(Int(results.rows[i]))
                weights.append(pow(max(results.scores[i], 0), alpha))
                owners.append(q)
            }
        }
        let fetched = try fetch(wanted)
        guard fetched.count == wanted.count * d else {
            throw IndexError.badInput("query expansion: \(fetched.count) values for \(wanted.count) rows of d = \(d)")
        }
        var out = includingQueries ? Array(queries[0..<(count * d)]) : [Float](repeating: 0, count: count * d)
        for (j, q) in owners.enumerated() {
            let w = weights[j]
            for i in 0..<d { out[q * d + i] += w * fetched[j * d + i] }
        }
        if !includingQueries {
            for q in 0..<count where !out[(q * d)..<((q + 1) * d)].contains(where: { $0 != 0 }) {
                out.replaceSubrange((q * d)..<((q + 1) * d), with: queries[(q * d)..<((q + 1) * d)])
            }
        }
        out.withUnsafeMutableBufferPointer { _ = RowMath.normalizeRows($0, rows: count, dimension: d) }
        return out
    }
}
