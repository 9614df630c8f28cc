import CFuzzer
import Foundation

/// Runs libFuzzer over `body` with the process's arguments (SwiftPM executables bring their own `main`,
/// so libFuzzer's is not used). The only libFuzzer call.
public func runFuzzer(_ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
}
