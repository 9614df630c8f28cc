import CMPI
import Pipeline

/// Every Open MPI call cbr makes, each wrapped once: a failed call throws `ClusterError.communication`
/// with MPI's own error string (the communicator returns errors instead of aborting; see `MPIRuntime`).
enum CAPI {
    typealias Comm = MPI_Comm

    static var world: Comm { _cbr_mpi_comm_world() }

    /// Throws unless `code` is MPI_SUCCESS.
    static func check(_ code: Int32, _ call: String) throws {
        guard code != MPI_SUCCESS else { return }
        var buffer = [CChar](repeating: 0, count: Int(_cbr_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        let detail = MPI_Error_string(code, &buffer, &length) == MPI_SUCCESS
            ? String(decoding: buffer.prefix(Int(max(0, length))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : "MPI error \(code)"
        throw ClusterError.communication(call: call, detail: detail)
    }

    static func isInitialized() -> Bool {
        var flag: Int32 = 0
        return MPI_Initialized(&flag) == MPI_SUCCESS && flag != 0
    }

    static func isFinalized() -> Bool {
        var flag: Int32 = 0
        return MPI_Finalized(&flag) == MPI_SUCCESS && flag != 0
    }

    /// MPI_Init_thread with calls from one thread at a time (cbr's worker threads never call MPI).
    static func initialize() throws {
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, _cbr_mpi_thread_serialized(), &provided), "MPI_Init_thread")
        try check(MPI_Comm_set_errhandler(world, _cbr_mpi_errors_return()), "MPI_Comm_set_errhandler")
    }

    static func finalize() throws { try check(MPI_Finalize(), "MPI_Finalize") }

    static func rank(_ comm: Comm) throws -> Int {
        var value: Int32 = 0
        try check(MPI_Comm_rank(comm, &value), "MPI_Comm_rank")
        return Int(value)
    }

    static func size(_ comm: Comm) throws -> Int {
        var value: Int32 = 0
        try check(MPI_Comm_size(comm, &value), "MPI_Comm_size")
        return Int(value)
    }

    static func barrier(_ comm: Comm) throws { try check(MPI_Barrier(comm), "MPI_Barrier") }

    static func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int, _ comm: Comm) throws {
        try check(MPI_Bcast(buffer.baseAddress, try count(buffer.count), _cbr_mpi_byte(), Int32(root), comm), "MPI_Bcast")
    }

    /// Every rank's one Int64, in rank order.
    static func allGather(_ value: Int64, _ comm: Comm, ranks: Int) throws -> [Int64] {
        var mine = value
        var all = [Int64](repeating: 0, count: ranks)
        try check(MPI_Allgather(&mine, 1, _cbr_mpi_int64(), &all, 1, _cbr_mpi_int64(), comm), "MPI_Allgather")
        return all
    }

    static func allGatherv(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer,
                           counts: [Int32], displacements: [Int32], _ comm: Comm) throws {
        try check(MPI_Allgatherv(send.baseAddress, try count(send.count), _cbr_mpi_byte(), receive.baseAddress,
                                 counts, displacements, _cbr_mpi_byte(), comm), "MPI_Allgatherv")
    }

    /// Every rank's one Int64 on `root` (rank order); an empty array elsewhere.
    static func gather(_ value: Int64, root: Int, _ comm: Comm, ranks: Int, isRoot: Bool) throws -> [Int64] {
        var mine = value
        var all = [Int64](repeating: 0, count: isRoot ? ranks : 1)
        try check(MPI_Gather(&mine, 1, _cbr_mpi_int64(), &all, 1, _cbr_mpi_int64(), Int32(root), comm), "MPI_Gather")
        return isRoot ? all : []
    }

    static func gatherv(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer,
                        counts: [Int32], displacements: [Int32], root: Int, _ comm: Comm) throws {
        try check(MPI_Gatherv(send.baseAddress, try count(send.count), _cbr_mpi_byte(), receive.baseAddress,
                              counts, displacements, _cbr_mpi_byte(), Int32(root), comm), "MPI_Gatherv")
    }

    static func maximum(_ value: Int64, _ comm: Comm) throws -> Int64 {
        var mine = value
        var result: Int64 = 0
        try check(MPI_Allreduce(&mine, &result, 1, _cbr_mpi_int64(), _cbr_mpi_max(), comm), "MPI_Allreduce")
        return result
    }

    static func send(_ bytes: UnsafeRawBufferPointer, to destination: Int, tag: Int32, _ comm: Comm) throws {
        try check(MPI_Send(bytes.baseAddress, try count(bytes.count), _cbr_mpi_byte(), Int32(destination), tag, comm), "MPI_Send")
    }

    /// The source and byte count of the next message with `tag` from any rank; nil when `wait` is false and
    /// none has arrived.
    static func probe(tag: Int32, wait: Bool, _ comm: Comm) throws -> (source: Int, count: Int)? {
        var status = MPI_Status()
        if wait {
            try check(MPI_Probe(_cbr_mpi_any_source(), tag, comm, &status), "MPI_Probe")
        } else {
            var flag: Int32 = 0
            try check(MPI_Iprobe(_cbr_mpi_any_source(), tag, comm, &flag, &status), "MPI_Iprobe")
            if flag == 0 { return nil }
        }
        var bytes: Int32 = 0
        try check(MPI_Get_count(&status, _cbr_mpi_byte(), &bytes), "MPI_Get_count")
        return (Int(status.MPI_SOURCE), Int(bytes))
    }

    static func receive(_ buffer: UnsafeMutableRawBufferPointer, from source: Int, tag: Int32, _ comm: Comm) throws {
        try check(MPI_Recv(buffer.baseAddress, try count(buffer.count), _cbr_mpi_byte(), Int32(source), tag, comm,
                           _cbr_mpi_status_ignore()), "MPI_Recv")
    }

    static func abort(_ comm: Comm, code: Int32) -> Never {
        MPI_Abort(comm, code)
        // MPI_Abort does not return; should it, the process still must not go on.
        fatalError("MPI_Abort returned")
    }

    /// A byte count as MPI's `int`, or an error for a message of 2 GiB or more.
    static func count(_ bytes: Int) throws -> Int32 {
        guard let value = Int32(exactly: bytes) else {
            throw ClusterError.communication(call: "message", detail: "\(bytes) bytes exceed MPI's 2 GiB per message")
        }
        return value
    }
}
