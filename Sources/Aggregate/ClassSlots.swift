/// A small open-addressing map from class id to a group index, reused across queries. A query touches at
/// most k classes, so the table holds ≥ 2k slots and is "cleared" by bumping a generation stamp instead
/// of being rewritten: no per-class array, no allocation per query once it has grown to size.
struct ClassSlots: Sendable {
    private var keys: [Int32] = []
    private var values: [Int32] = []
    private var stamps: [UInt32] = []
    private var generation: UInt32 = 0
    private var mask = 0

    /// Forgets every entry and makes room for `count` distinct keys.
    mutating func reset(forAtMost count: Int) {
        var capacity = 16
        while capacity < 2 * count { capacity <<= 1 }
        if capacity > keys.count {
            keys = Array(repeating: 0, count: capacity)
            values = Array(repeating: 0, count: capacity)
            stamps = Array(repeating: 0, count: capacity)
            generation = 0
        }
        mask = keys.count - 1
        if generation == .max {
            for i in stamps.indices { stamps[i] = 0 }
            generation = 0
        }
        generation += 1
    }

    /// The value stored for `key`, inserting `make()` first if the key is new.
    mutating func value(for key: Int32, orInsert make: () -> Int32) -> Int32 {
        var slot = Int(truncatingIfNeeded: UInt32(bitPattern: key) &* 0x9E37_79B1) & mask
        while stamps[slot] == generation {
            if keys[slot] == key { return values[slot] }
            slot = (slot + 1) & mask
        }
        let value = make()
        stamps[slot] = generation
        keys[slot] = key
        values[slot] = value
        return value
    }
}
