/// Sizes read from a file are untrusted: a flipped bit in a dataspace can make a dimension that does not
/// fit an `Int`, or dimensions whose product overflows. These conversions throw instead of trapping.
enum Extent {
    /// `value` as an `Int`, or an error naming `what` when it does not fit.
    static func int<T: BinaryInteger>(_ value: T, _ what: @autoclosure () -> String, _ site: Site) throws -> Int {
        guard let result = Int(exactly: value) else {
            throw site.error(.library, "cannot read \(what())", "the value \(value) does not fit a 64-bit integer")
        }
        return result
    }

    /// The product of `dims` (1 for none), or an error when it overflows.
    static func product<S: Sequence<Int>>(_ dims: S, _ action: @autoclosure () -> String, _ site: Site) throws -> Int {
        var total = 1
        for dim in dims {
            let (next, overflow) = total.multipliedReportingOverflow(by: dim)
            guard !overflow, dim >= 0 else {
                throw site.error(.shapeMismatch, action(), "the extent \(Array(dims)) holds more elements than fit a 64-bit integer")
            }
            total = next
        }
        return total
    }
}
