import Foundation
import Pipeline

/// `Cluster` over Open MPI's MPI_COMM_WORLD: the ranks `mpirun` started (a lone process started without
/// `mpirun` is a world of one). MPI is initialized by `start()` and finalized by `finish()`; a failed MPI call
/// throws (the communicator returns errors instead of aborting), and `abort` ends every rank of the job.
public final class MPICluster: Cluster {
    public let rank: Int
    public let size: Int
    private let comm: CAPI.Comm
    /// The tag of point-to-point messages (collectives do not use tags).
    private static let messageTag: Int32 = 7

    private init() throws {
        comm = CAPI.world
        rank = try CAPI.rank(comm)
        size = try CAPI.size(comm)
    }

    /// Initializes MPI (once per process) and returns the world.
    public static func start() throws -> MPICluster {
        if !CAPI.isInitialized() { try CAPI.initialize() }
        return try MPICluster()
    }

    /// Finalizes MPI; every rank must call it before exiting normally.
    public func finish() throws {
        if CAPI.isInitialized() && !CAPI.isFinalized() { try CAPI.finalize() }
    }

    public func barrier() throws { try CAPI.barrier(comm) }

    public func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] {
        var length = [UInt8](ClusterCoding.bytes(of: [Int64(bytes.count)]))
        try length.withUnsafeMutableBytes { try CAPI.broadcast($0, root: root, comm) }
        let count = try ClusterCoding.values(Int64.self, from: length).first ?? 0
        guard count >= 0, count <= Int64(Int32.max) else {
            throw ClusterError.malformedMessage("broadcast of \(count) bytes")
        }
        var buffer = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count))
        try buffer.withUnsafeMutableBytes { try CAPI.broadcast($0, root: root, comm) }
        return buffer
    }

    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        let counts = try CAPI.allGather(Int64(bytes.count), comm, ranks: size)
        let layout = try Layout(counts)
        var all = [UInt8](repeating: 0, count: max(1, layout.total))
        try bytes.withUnsafeBytes { send in
            try all.withUnsafeMutableBytes {
                try CAPI.allGatherv(send, into: $0, counts: layout.counts, displacements: layout.displacements, comm)
            }
        }
        return layout.split(all)
    }

    public func gather(_ bytes: [UInt8], root: Int) throws -> [[UInt8]] {
        let counts = try CAPI.gather(Int64(bytes.count), root: root, comm, ranks: size, isRoot: rank == root)
        let layout = try Layout(rank == root ? counts : [])
        var all = [UInt8](repeating: 0, count: max(1, layout.total))
        try bytes.withUnsafeBytes { send in
            try all.withUnsafeMutableBytes {
                try CAPI.gatherv(send, into: $0, counts: layout.counts, displacements: layout.displacements, root: root, comm)
            }
        }
        return rank == root ? layout.split(all) : []
    }

    public func maximum(_ value: Int) throws -> Int { Int(try CAPI.maximum(Int64(value), comm)) }

    public func send(_ bytes: [UInt8], to destination: Int) throws {
        try bytes.withUnsafeBytes { try CAPI.send($0, to: destination, tag: Self.messageTag, comm) }
    }

    public func receive() throws -> (source: Int, bytes: [UInt8]) {
        guard let message = try next(wait: true) else { throw ClusterError.deadlock("MPI_Probe returned no message") }
        return message
    }

    public func poll() throws -> (source: Int, bytes: [UInt8])? { try next(wait: false) }

    private func next(wait: Bool) throws -> (source: Int, bytes: [UInt8])? {
        guard let (source, count) = try CAPI.probe(tag: Self.messageTag, wait: wait, comm) else { return nil }
        var buffer = [UInt8](repeating: 0, count: max(1, count))
        try buffer.withUnsafeMutableBytes {
            try CAPI.receive(UnsafeMutableRawBufferPointer(rebasing: $0[0..<count]), from: source, tag: Self.messageTag, comm)
        }
        return (source, Array(buffer.prefix(count)))
    }

    public func abort(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("cbr-mpi: rank \(rank): \(message)\n".utf8))
        CAPI.abort(comm, code: code)
    }
}

/// Where each rank's bytes sit in a gathered buffer (MPI counts and displacements are `int`).
private struct Layout {
    let counts: [Int32]
    let displacements: [Int32]
    let total: Int

    init(_ sizes: [Int64]) throws {
        var counts: [Int32] = [], displacements: [Int32] = []
        var total: Int64 = 0
        for size in sizes {
            guard size >= 0, let count = Int32(exactly: size), let offset = Int32(exactly: total) else {
                throw ClusterError.malformedMessage("gathered messages exceed MPI's 2 GiB (\(sizes))")
            }
            counts.append(count)
            displacements.append(offset)
            total += size
        }
        guard total <= Int64(Int32.max) else { throw ClusterError.malformedMessage("gathered messages exceed MPI's 2 GiB") }
        self.counts = counts
        self.displacements = displacements
        self.total = Int(total)
    }

    func split(_ all: [UInt8]) -> [[UInt8]] {
        zip(counts, displacements).map { Array(all[Int($1)..<(Int($1) + Int($0))]) }
    }
}
