import HDF5
import Testing

@Suite struct RowTests {
    /// A [10, 3] float32 matrix whose element (r, c) is r * 10 + c.
    func matrix(_ file: H5File) throws -> H5Dataset {
        try file.createDataset("m", values: (0..<10).flatMap { r in (0..<3).map { Float(r * 10 + $0) } },
                               shape: [10, 3])
    }

    func rows(_ range: Range<Int>) -> [Float] {
        range.flatMap { r in (0..<3).map { Float(r * 10 + $0) } }
    }

    @Test func rowRanges() throws {
        let dataset = try matrix(try H5File.create(at: try scratchPath()))
        for range in [0..<1, 0..<4, 3..<7, 9..<10, 0..<10, 5..<5] {
            var buffer = [Float](repeating: -1, count: range.count * 3)
            try buffer.withUnsafeMutableBufferPointer { try dataset.readRows(range, into: $0) }
            #expect(buffer == rows(range), "rows \(range)")
            #expect(try dataset.readRows(range, as: Float.self) == rows(range))
        }
    }

    @Test func rowRangesIntoPartOfALargerBuffer() throws {
        let dataset = try matrix(try H5File.create(at: try scratchPath()))
        var buffer = [Float](repeating: -1, count: 12)
        try buffer.withUnsafeMutableBufferPointer { all in
            try dataset.readRows(8..<10, into: UnsafeMutableBufferPointer(rebasing: all[3..<9]))
        }
        #expect(Array(buffer[3..<9]) == rows(8..<10))
        #expect(buffer[0..<3].allSatisfy { $0 == -1 } && buffer[9...].allSatisfy { $0 == -1 })
    }

    @Test func outOfRangeRowsAreAnError() throws {
        let dataset = try matrix(try H5File.create(at: try scratchPath()))
        for range in [9..<11, 10..<12, -1..<2] {
            var buffer = [Float](repeating: 0, count: range.count * 3)
            let error = #expect(throws: HDF5Error.self) {
                try buffer.withUnsafeMutableBufferPointer { try dataset.readRows(range, into: $0) }
            }
            #expect(error?.kind == .outOfRange)
            #expect(error?.description.contains("outside 0..<10") == true)
        }
        var wrong = [Float](repeating: 0, count: 5)
        let error = #expect(throws: HDF5Error.self) {
            try wrong.withUnsafeMutableBufferPointer { try dataset.readRows(0..<2, into: $0) }
        }
        #expect(error?.kind == .shapeMismatch)
    }

    @Test func appendRowsToExtendibleDatasets() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        let embeddings = try file.createDataset("embeddings", type: .float16, shape: [0, 4], maxShape: [nil, 4],
                                                chunk: [3, 4])
        let labels = try file.createDataset("labels", type: .int32, shape: [0], maxShape: [nil])
        let ids = try file.createDataset("ids", type: .string, shape: [0], maxShape: [nil])
        #expect(try embeddings.chunkShape == [3, 4])
        #expect(try labels.chunkShape != nil)
        #expect(try embeddings.maxShape == [nil, 4])
        for batch in 0..<3 {
            let count = batch + 2
            let first = try labels.rowCount
            try embeddings.append(rows: (0..<(count * 4)).map { Float16(first * 4 + $0) })
            try labels.append(rows: (0..<count).map { Int32(first + $0) })
            try ids.append(strings: (0..<count).map { "img-\(first + $0)" })
        }
        #expect(try embeddings.shape == [9, 4])
        let error = #expect(throws: HDF5Error.self) { try embeddings.append(rows: [Float16(1), 2, 3]) }
        #expect(error?.kind == .shapeMismatch)
        try file.close()

        let reopened = try H5File.open(at: path)
        let stored = try reopened.dataset("embeddings")
        #expect(try stored.shape == [9, 4])
        #expect(try stored.read(as: Float.self) == (0..<36).map(Float.init))
        #expect(try stored.readRows(2..<5, as: Float16.self) == (8..<20).map { Float16($0) })
        #expect(try reopened.dataset("labels").read(as: Int32.self) == (0..<9).map(Int32.init))
        #expect(try reopened.dataset("ids").readStrings() == (0..<9).map { "img-\($0)" })
        #expect(try reopened.dataset("ids").readStrings(rows: 7..<9) == ["img-7", "img-8"])
    }

    @Test func extendAndWriteRows() throws {
        let file = try H5File.create(at: try scratchPath())
        let dataset = try file.createDataset("d", type: .int64, shape: [2, 2], maxShape: [nil, 2])
        try dataset.write([Int64(1), 2, 3, 4])
        try dataset.extend(toRows: 4)
        #expect(try dataset.shape == [4, 2])
        try [Int64(7), 8].withUnsafeBufferPointer { try dataset.writeRows(at: 3, $0) }
        // Rows 2 was never written: HDF5's fill value, 0.
        #expect(try dataset.read(as: Int64.self) == [1, 2, 3, 4, 0, 0, 7, 8])
        let error = #expect(throws: HDF5Error.self) { try dataset.extend(to: [5, 3]) }
        #expect(error?.kind == .library)
        let fixed = try file.createDataset("fixed", values: [Int32(1), 2])
        #expect(throws: HDF5Error.self) { try fixed.append(rows: [Int32(3)]) }
    }
}
