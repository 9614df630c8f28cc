/// The processes one command runs on: `size` ranks numbered `0..<size`, each running the same command.
/// The plain `cbr` is one rank (`SingleProcess`); `cbr-mpi` under `mpirun` is many (its MPI communicator).
/// Pipeline code is written once against this protocol, so the two executables share every line of logic.
///
/// Messages are bytes; what they mean is the caller's (see `ClusterCoding`). Collective calls must be made
/// by every rank in the same order. A rank that cannot go on calls `abort`, which ends every rank (under
/// MPI the job exits non-zero); nothing waits forever on a rank that has gone.
public protocol Cluster: AnyObject {
    /// This process's number, `0..<size`. Rank 0 writes manifests and outputs.
    var rank: Int { get }
    var size: Int { get }

    /// Returns once every rank has called it.
    func barrier() throws
    /// `bytes` of rank `root`, on every rank (other ranks' argument is ignored).
    func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8]
    /// Every rank's `bytes`, in rank order, on every rank.
    func allGather(_ bytes: [UInt8]) throws -> [[UInt8]]
    /// Every rank's `bytes`, in rank order, on rank `root`; an empty array on the others.
    func gather(_ bytes: [UInt8], root: Int) throws -> [[UInt8]]
    /// The largest of the ranks' `value`s, on every rank.
    func maximum(_ value: Int) throws -> Int
    /// Sends `bytes` to rank `destination` (returns once the buffer may be reused).
    func send(_ bytes: [UInt8], to destination: Int) throws
    /// The next message sent to this rank by any rank, waiting for one: (source rank, bytes).
    func receive() throws -> (source: Int, bytes: [UInt8])
    /// The next message if one has arrived, else nil at once.
    func poll() throws -> (source: Int, bytes: [UInt8])?
    /// Ends every rank of the job with exit code `code` after `message` (one line) is printed by this rank.
    func abort(_ message: String, code: Int32) -> Never
}

extension Cluster {
    public var isRoot: Bool { rank == 0 }
}
