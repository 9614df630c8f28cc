import Dispatch
import HDF5
import Testing

@Suite struct ConcurrencyTests {
    /// The serial HDF5 library is not thread-safe; the module's lock makes sharing objects across threads safe.
    @Test func readsAndWritesFromManyThreads() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        let rows = 512, width = 64
        let dataset = try file.createDataset("m", values: (0..<(rows * width)).map(Float.init), shape: [rows, width],
                                             maxShape: [nil, width], chunk: [32, width])
        let log = try file.createDataset("log", type: .string, shape: [0], maxShape: [nil])
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            do {
                if worker % 4 == 0 {
                    for step in 0..<20 { try log.append(strings: ["worker \(worker) step \(step)"]) }
                    return
                }
                var buffer = [Float](repeating: 0, count: 16 * width)
                for block in 0..<(rows / 16) {
                    let range = (block * 16)..<((block + 1) * 16)
                    try buffer.withUnsafeMutableBufferPointer { try dataset.readRows(range, into: $0) }
                    if buffer[0] != Float(range.lowerBound * width) || buffer.last != Float(range.upperBound * width - 1) {
                        failures.record("worker \(worker) read wrong values for rows \(range)")
                    }
                    _ = try dataset.attributeNames()
                }
            } catch {
                failures.record("\(error)")
            }
        }
        #expect(failures.messages.isEmpty, "\(failures.messages)")
        #expect(try log.rowCount == 40)
        #expect(Set(try log.readStrings()).count == 40)
    }
}

/// Messages collected from concurrent workers.
final class Failures: @unchecked Sendable {
    private let lock = NSLockLike()
    private var stored: [String] = []

    func record(_ message: String) { lock.run { stored.append(message) } }
    var messages: [String] { lock.run { stored } }
}

/// A minimal lock for the test's bookkeeping (the module's own lock is internal).
final class NSLockLike: @unchecked Sendable {
    private let queue = DispatchQueue(label: "failures")
    func run<R>(_ body: () -> R) -> R { queue.sync(execute: body) }
}
