/// A small open-addressing map from class id to a group number, reused across queries. A query touches at
/// most k classes, so the table holds ≥ 2k slots and is "cleared" by bumping a generation stamp instead
/// of being rewritten: no per-class array, no allocation per query once it has grown to size.
struct ClassSlots: Sendable {
    private var keys: [Int32] = []
    private var values: [Int32] = []
    private var stamps: [UInt32] = []
    private var generation: UInt32 = 0

    /// Numbers the distinct class ids of `neighbours` 0, 1, 2, … in order of first appearance, writes
    /// each neighbour's number to `groups` (−1 for a NaN score) and the distinct ids to `classIDs`.
    mutating func group(_ neighbours: UnsafeBufferPointer<ClassScore>, groups: inout [Int32], classIDs: inout [Int32]) {
        reset(forAtMost: neighbours.count)
        groups.removeAll(keepingCapacity: true)
        classIDs.removeAll(keepingCapacity: true)
        let generation = generation, mask = keys.count - 1
        keys.withUnsafeMutableBufferPointer { keys in
            values.withUnsafeMutableBufferPointer { values in
                stamps.withUnsafeMutableBufferPointer { stamps in
                    for neighbour in neighbours {
                        guard !neighbour.score.isNaN else { groups.append(-1); continue }
                        let key = neighbour.classID
                        var slot = Int(truncatingIfNeeded: UInt32(bitPattern: key) &* 0x9E37_79B1) & mask
                        while stamps[slot] == generation, keys[slot] != key { slot = (slot + 1) & mask }
                        if stamps[slot] != generation {
                            stamps[slot] = generation
                            keys[slot] = key
                            values[slot] = Int32(classIDs.count)
                            classIDs.append(key)
                        }
                        groups.append(values[slot])
                    }
                }
            }
        }
    }

    /// Forgets every entry and makes room for `count` distinct keys.
    private mutating func reset(forAtMost count: Int) {
        var capacity = 16
        while capacity < 2 * count { capacity <<= 1 }
        if capacity > keys.count {
            keys = Array(repeating: 0, count: capacity)
            values = Array(repeating: 0, count: capacity)
            stamps = Array(repeating: 0, count: capacity)
            generation = 0
        }
        if generation == .max {
            for i in stamps.indices { stamps[i] = 0 }
            generation = 0
        }
        generation += 1
    }
}
