import Foundation
import TestSupport

/// A path for a new file in a fresh temporary directory.
func scratchPath(_ name: String = "test.h5") throws -> String {
    try TestData.temporaryDirectory("cbr-hdf5").appendingPathComponent(name).path
}
