import Foundation
import LinearAlgebra

extension Commands {
    /// `cbr head fit`: a ridge head fitted on `index`'s rows, written to `out` (complete or not at all); the
    /// fit's summary (and the cross-validation table) on standard output.
    public static func fitHead(index: URL, out: String, options: HeadFit.Options, console: Console) throws {
        let result: HeadFit.Result
        do {
            result = try HeadFit.fit(index: index, options: options)
        } catch let error as LAPACKError {
            throw HeadError(file: index.path, reason: "the ridge system could not be solved (\(error)); try a larger --l2")
        }
        try HeadFile.write(result.head, to: out)
        try console.print(result.summary + "\nwrote \(out)")
    }
}
