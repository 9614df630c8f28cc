/// Greedy k-center selection (`cbr suggest --diverse`): starting from the first candidate, repeatedly take
/// the candidate farthest (1 − cosine) from everything taken so far, so near-duplicates of a photo already
/// chosen wait their turn. `rows` holds the candidates' unit embeddings (`count × dimension`) in priority
/// order; returns positions into it. O(count × picks × d).
enum KCenter {
    static func select(_ rows: [Float], count: Int, dimension d: Int, picks: Int) -> [Int] {
        guard count > 0, picks > 0 else { return [] }
        var distance = [Float](repeating: .infinity, count: count)
        var chosen = [0]
        while chosen.count < min(picks, count) {
            let last = chosen[chosen.count - 1]
            for c in 0..<count {
                var dot: Float = 0
                for i in 0..<d { dot += rows[c * d + i] * rows[last * d + i] }
                distance[c] = min(distance[c], 1 - dot)
            }
            // Farthest first; the higher-priority candidate on a tie.
            var best = -1
            for c in 0..<count where !chosen.contains(c) && (best < 0 || distance[c] > distance[best]) { best = c }
            chosen.append(best)
        }
        return chosen
    }
}
