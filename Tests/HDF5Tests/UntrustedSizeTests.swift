import Foundation
import HDF5
import Testing
import TestSupport

/// Issue 17, item 3: sizes read from a file that do not fit a Swift `Int`, or whose product overflows,
/// are thrown `HDF5Error`s, never a trap (a flipped bit in a shard's dataspace trapped in `Int(hsize_t)`).
@Suite struct UntrustedSizeTests {
    static let rows = 0x0123_4567, maxRows = 0x0765_4321

    /// A file with a chunked `[rows, 16]` int8 dataset (at most `maxRows` rows) whose stored `value` (the
    /// row count or the maximal row count) is then replaced by `patched`: the bytes of the dataspace
    /// message are rewritten in place. h5py writes the file in HDF5's default (1.8) format, whose
    /// dataspace messages carry no checksum, so the value reaches the reader as a flipped bit would.
    static func file(patching value: Int, to patched: UInt64) throws -> String {
        let path = try scratchPath()
        try TestData.runPython("""
            import h5py, sys
            with h5py.File(sys.argv[1], "w") as f:
                f.create_dataset("rows", shape=(\(rows), 16), maxshape=(\(maxRows), 16), dtype="i1", chunks=(64, 16))
            """, [path])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let needle = withUnsafeBytes(of: UInt64(value).littleEndian, Array.init)
        var replaced = 0
        var i = 0
        while i + 8 <= bytes.count {
            if Array(bytes[i..<(i + 8)]) == needle {
                bytes.replaceSubrange(i..<(i + 8), with: withUnsafeBytes(of: patched.littleEndian, Array.init))
                replaced += 1
            }
            i += 1
        }
        #expect(replaced >= 1)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func extentBeyondInt() throws {
        // HDF5 itself refuses a current extent this large; a maximal extent reaches the conversion.
        let path = try Self.file(patching: Self.maxRows, to: (1 << 63) | UInt64(Self.maxRows))
        let dataset = try H5File.open(at: path).dataset("rows")
        let error = #expect(throws: HDF5Error.self) { try dataset.shape }
        #expect(error?.message.contains("does not fit a 64-bit integer") == true, "\(String(describing: error))")
        #expect(throws: HDF5Error.self) { try dataset.read(as: Int8.self) }
        #expect(throws: HDF5Error.self) { try dataset.readRows(0..<1, as: Int8.self) }
    }

    @Test func elementCountOverflow() throws {
        let path = try Self.file(patching: Self.rows, to: 1 << 62)
        let dataset = try H5File.open(at: path).dataset("rows")
        #expect(try dataset.shape == [1 << 62, 16])
        let error = #expect(throws: HDF5Error.self) { try dataset.read(as: Int8.self) }
        #expect(error?.kind == .shapeMismatch && error?.message.contains("more elements than fit") == true,
                "\(String(describing: error))")
        // A row range within the extent still reads (the product of one row is small).
        #expect(try dataset.readRows(0..<2, as: Int8.self).count == 32)
    }
}
