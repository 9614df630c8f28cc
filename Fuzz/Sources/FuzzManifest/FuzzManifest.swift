import Foundation
import FuzzSupport
import ShardedIndex

/// A real index whose manifest.json is the input: opened (JSON decode and validation), its rows streamed,
/// its ids and prototypes read.
private let index = IndexCopy.make("fuzz-manifest")

@main enum FuzzManifest {
    static func main() { runFuzzer(fuzzManifest) }
}

func fuzzManifest(_ input: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data = input else { return 0 }
    IndexCopy.write(data, size, to: index.appendingPathComponent("manifest.json"))
    guard let reader = try? ShardedIndexReader(directory: index) else { return 0 }
    try? reader.forEachBlock(maxRows: 3) { _ in }
    _ = try? reader.allIDs()
    _ = try? reader.prototypes()
    return 0
}
