import FuzzSupport
import ModelImport

/// The legacy PyTorch checkpoint reader (pickles, then storages) on arbitrary bytes, and every tensor it lists.
@main enum FuzzCheckpoint {
    static func main() { runFuzzer(fuzzCheckpoint) }
}

func fuzzCheckpoint(_ input: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data = input else { return 0 }
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    guard let checkpoint = try? LegacyCheckpoint(bytes: bytes, file: "input") else { return 0 }
    for name in checkpoint.names { _ = try? checkpoint.floats(name) }
    return 0
}
