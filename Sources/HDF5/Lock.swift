import CHDF5
import Foundation

/// Debian's libhdf5 is the serial build, which is not thread-safe: every call into it, from any thread,
/// goes through this one lock. It is recursive so that an operation may call another while holding it.
/// Creating it also keeps HDF5 from running its exit handler (see `CAPI.skipExitCleanup`) and turns off
/// HDF5's automatic error printing (errors become thrown `HDF5Error`s).
private let library: NSRecursiveLock = {
    _ = CAPI.skipExitCleanup()
    _ = CAPI.silenceErrors()
    return NSRecursiveLock()
}()

/// Runs `body` while holding the library lock.
@inline(__always)
func locked<R>(_ body: () throws -> R) rethrows -> R {
    library.lock()
    defer { library.unlock() }
    return try body()
}
