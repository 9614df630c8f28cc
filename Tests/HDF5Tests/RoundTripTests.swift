import HDF5
import Testing

@Suite struct RoundTripTests {
    /// Writes `values` as a [2, n/2] dataset, reopens the file and checks type, shape and values.
    func roundTrip<T: H5Scalar & Equatable>(_ values: [T]) throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        try file.createDataset("data", values: values, shape: [2, values.count / 2])
        try file.close()

        let reopened = try H5File.open(at: path)
        let dataset = try reopened.dataset("data")
        #expect(try dataset.elementType == T.elementType)
        #expect(try dataset.shape == [2, values.count / 2])
        #expect(try dataset.read(as: T.self) == values)
    }

    @Test func numbers() throws {
        try roundTrip([Float(1.5), -2.25, .pi, 0, 3e-38, -1e30])
        try roundTrip([1.5, -2.25, Double.pi, 0, 1e-300, -1e300])
        try roundTrip([Float16(1.5), -2.25, 0.333, 0, 65504, -6.1e-5])
        try roundTrip([Int32.min, -1, 0, 1, 7, Int32.max])
        try roundTrip([Int64.min, -1, 0, 1 << 40, 7, Int64.max])
        try roundTrip([Int.min, -1, 0, 1 << 40, 7, Int.max])
        try roundTrip([Int8.min, -1, 0, 1, 7, Int8.max])
        try roundTrip([Int16.min, -1, 0, 1, 7, Int16.max])
        try roundTrip([UInt8(0), 1, 127, 128, 200, 255])
        try roundTrip([UInt16(0), 1, 127, 128, 200, .max])
        try roundTrip([UInt32(0), 1, 127, 128, 200, .max])
        try roundTrip([UInt64(0), 1, 127, 128, 200, .max])
    }

    @Test func float16ReadsAsFloatAndFloatWritesIntoFloat16() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        let halves: [Float16] = [0.5, -1.25, 1000, 0.0999755859375]
        try file.createDataset("half", values: halves)
        let stored = try file.createDataset("fromFloat", type: .float16, shape: [3])
        try stored.write([Float(0.25), -3.5, 2048])

        #expect(try file.dataset("half").read(as: Float.self) == halves.map(Float.init))
        #expect(try stored.read(as: Float16.self) == [0.25, -3.5, 2048])
        #expect(try stored.elementType == .float16)
    }

    @Test func floatRowsThroughFloat16Storage() throws {
        let file = try H5File.create(at: try scratchPath())
        let dataset = try file.createDataset("e", type: .float16, shape: [0, 2], maxShape: [nil, 2])
        // Halfway cases round to the even neighbour (numpy's rule): 1 + 2⁻¹¹ → 1, 1 + 3·2⁻¹¹ → 1 + 2⁻⁹.
        let halfway: [Float] = [1 + 0x1p-11, 1 + 3 * 0x1p-11, 70000, -0.1]
        try dataset.append(rows: halfway)
        try dataset.append(rows: [Float(5), 6])
        #expect(try dataset.read(as: Float16.self) == [1, 1 + 0x1p-9, .infinity, Float16(-0.1), 5, 6])
        var middle = [Float](repeating: 0, count: 4)
        try middle.withUnsafeMutableBufferPointer { try dataset.readRows(1..<3, into: $0) }
        #expect(middle == [.infinity, Float(Float16(-0.1)), 5, 6])
        let error = #expect(throws: HDF5Error.self) {
            try middle.withUnsafeMutableBufferPointer { try dataset.readRows(2..<4, into: $0) }
        }
        #expect(error?.kind == .outOfRange)
    }

    @Test func strings() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        let names = ["photos/chelsea.png", "", "naïve café/ß.jpg", "日本語", String(repeating: "x", count: 3000)]
        try file.createDataset("ids", strings: names)
        try file.createDataset("fixed", strings: ["ab", "", "ñ", "abcd"], type: .fixedString(byteCount: 4))
        try file.close()

        let reopened = try H5File.open(at: path)
        #expect(try reopened.dataset("ids").elementType == .string)
        #expect(try reopened.dataset("ids").readStrings() == names)
        #expect(try reopened.dataset("fixed").elementType == .fixedString(byteCount: 4))
        #expect(try reopened.dataset("fixed").readStrings() == ["ab", "", "ñ", "abcd"])
    }

    @Test func fixedStringTooLongIsAnError() throws {
        let file = try H5File.create(at: try scratchPath())
        let error = #expect(throws: HDF5Error.self) {
            try file.createDataset("fixed", strings: ["abcde"], type: .fixedString(byteCount: 4))
        }
        #expect(error?.kind == .invalidArgument)
    }

    @Test func readIntoCallerBuffer() throws {
        let file = try H5File.create(at: try scratchPath())
        let values = (0..<12).map(Float.init)
        let dataset = try file.createDataset("m", values: values, shape: [3, 4])
        var out = [Float](repeating: -1, count: 12)
        try out.withUnsafeMutableBufferPointer { try dataset.read(into: $0) }
        #expect(out == values)
        var short = [Float](repeating: 0, count: 11)
        let error = #expect(throws: HDF5Error.self) {
            try short.withUnsafeMutableBufferPointer { try dataset.read(into: $0) }
        }
        #expect(error?.kind == .shapeMismatch)
    }

    @Test func groupsAndListing() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        let model = try file.createGroup("model/blocks")
        try model.createDataset("w", values: [Int32(1), 2, 3])
        try file.createDataset("top", values: [1.0])
        try file.close()

        let reopened = try H5File.open(at: path)
        #expect(try reopened.children() == ["model", "top"])
        #expect(try reopened.group("model").children() == ["blocks"])
        #expect(try reopened.contains("model/blocks/w"))
        #expect(try reopened.contains("/model/blocks"))
        #expect(try !reopened.contains("model/nothing/w"))
        #expect(try !reopened.contains("top/inside"))
        #expect(try reopened.kind(of: "model") == .group)
        #expect(try reopened.kind(of: "model/blocks/w") == .dataset)
        #expect(try reopened.kind(of: "missing") == nil)
        let w = try reopened.group("model").dataset("blocks/w")
        #expect(w.name == "/model/blocks/w")
        #expect(try w.read(as: Int32.self) == [1, 2, 3])
        #expect(try w.read(as: Double.self) == [1, 2, 3])
    }
}
