import CHDF5
import Foundation

/// Debian's libhdf5 is the serial build, which is not thread-safe: every call into it, from any thread,
/// goes through this one lock. It is recursive so that an operation may call another while holding it.
/// Taking it also turns off HDF5's automatic error printing on the calling thread (errors become thrown
/// `HDF5Error`s; the setting is per thread in this thread-safe libhdf5, so it is done on every thread).
private let library = NSRecursiveLock()

/// Runs `body` while holding the library lock.
@inline(__always)
func locked<R>(_ body: () throws -> R) rethrows -> R {
    library.lock()
    defer { library.unlock() }
    CAPI.silenceErrorsOnThisThread()
    return try body()
}
