import CHDF5
import Foundation

/// Every call into libhdf5, from any thread, goes through this one lock. Debian's libhdf5 (the serial, i.e.
/// non-MPI, build) is compiled thread-safe, but only by one global mutex of its own, and cbr's operations
/// are sequences of calls that must not interleave; the lock is recursive so that an operation may call
/// another while holding it.
/// Creating it keeps HDF5 from running its exit handler (see `CAPI.skipExitCleanup`); taking it also turns
/// off HDF5's automatic error printing on the calling thread (errors become thrown `HDF5Error`s; the
/// setting is per thread in Debian's thread-safe libhdf5, so it is done on every thread).
private let library: NSRecursiveLock = {
    _ = CAPI.skipExitCleanup()
    return NSRecursiveLock()
}()

/// Runs `body` while holding the library lock.
@inline(__always)
func locked<R>(_ body: () throws -> R) rethrows -> R {
    library.lock()
    defer { library.unlock() }
    CAPI.silenceErrorsOnThisThread()
    return try body()
}
