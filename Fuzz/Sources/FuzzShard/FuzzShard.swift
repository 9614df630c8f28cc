import Foundation
import FuzzSupport
import ShardedIndex

/// A real index whose first shard (an HDF5 file) is the input, opened without checksums so the bytes reach
/// the HDF5 reading: streamed, loaded in memory, its ids and the prototypes read.
private let index = IndexCopy.make("fuzz-shard")

@main enum FuzzShard {
    static func main() { runFuzzer(fuzzShard) }
}

func fuzzShard(_ input: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data = input else { return 0 }
    guard let shard = try? Manifest.load(from: index).shards.first else { fatalError("the seed index has no shard") }
    IndexCopy.write(data, size, to: index.appendingPathComponent(shard.file))
    for mode in ShardedIndexReader.Mode.allCases {
        guard let reader = try? ShardedIndexReader(directory: index, mode: mode, verifyChecksums: false) else { continue }
        try? reader.forEachBlock(maxRows: 3) { _ in }
        _ = try? reader.ids(ofShard: 0)
        _ = try? reader.prototypes()
    }
    return 0
}
