import Foundation
import FuzzSupport
import Pipeline

/// An embeddings file as `cbr index import` and `cbr search` read it: the input is written as `input.h5` when
/// it starts with HDF5's signature and as `input.fbin` otherwise, then imported into a fresh index (rows,
/// labels and ids columns, finiteness) and searched as queries against a copy of the real seed index.
/// Standard output goes to /dev/null; the one-line failures and notes stay on standard error (the log).
private let index = IndexCopy.make("fuzz-embeddings")
private let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cbr-fuzz-embeddings-\(UUID().uuidString)")
private let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

@main enum FuzzEmbeddings {
    static func main() {
        let null = open("/dev/null", O_WRONLY)
        guard null >= 0, dup2(null, 1) == 1 else { fatalError("cannot send standard output to /dev/null") }
        runFuzzer(fuzzEmbeddings)
    }
}

func fuzzEmbeddings(_ input: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data = input else { return 0 }
    let isHDF5 = size >= hdf5Signature.count && (0..<hdf5Signature.count).allSatisfy { data[$0] == hdf5Signature[$0] }
    try? FileManager.default.removeItem(at: scratch)
    do { try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true) } catch {
        fatalError("cannot create \(scratch.path): \(error)")
    }
    let file = scratch.appendingPathComponent(isHDF5 ? "input.h5" : "input.fbin")
    IndexCopy.write(data, size, to: file)
    let console = Console.standard
    try? Commands.importEmbeddings(file.path, index: scratch.appendingPathComponent("index"),
                                   options: .init(shardRows: 2, readRows: 3), console: console)
    try? Commands.search(file.path, dataset: nil, index: index, k: 3, out: scratch.appendingPathComponent("hits.h5").path,
                         inMemory: false, blockRows: 3, verify: false, console: console)
    return 0
}
