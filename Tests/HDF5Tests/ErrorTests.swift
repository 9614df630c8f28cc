import Foundation
import HDF5
import Testing

@Suite struct ErrorTests {
    @Test func missingFile() throws {
        let path = try scratchPath("absent.h5")
        let error = #expect(throws: HDF5Error.self) { try H5File.open(at: path) }
        #expect(error?.kind == .fileNotFound)
        #expect(error?.description == "HDF5 error: \(path): cannot open file: no such file")
    }

    @Test func notAnHDF5File() throws {
        let path = try scratchPath("notes.h5")
        try "just some text\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: HDF5Error.self) { try H5File.open(at: path) }
        #expect(error?.kind == .notHDF5)
        #expect(error?.description.hasPrefix("HDF5 error: \(path): cannot open file: not an HDF5 file") == true)
    }

    @Test func createWithoutOverwriteKeepsTheFile() throws {
        let path = try scratchPath()
        let original = try H5File.create(at: path)
        try original.setAttribute("kept", 1)
        try original.close()
        let error = #expect(throws: HDF5Error.self) { try H5File.create(at: path, overwrite: false) }
        #expect(error?.kind == .library)
        // One line carrying the library's error stack, outermost first.
        #expect(error?.description.hasPrefix("HDF5 error: \(path): cannot create file: unable to create file") == true)
        #expect(error?.description.contains("File exists") == true)
        #expect(error?.description.contains("\n") == false)
        #expect(try H5File.open(at: path).attribute("kept", as: Int.self) == 1)
    }

    @Test func missingObjects() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        try file.createDataset("embeddings", values: [Float(1)])
        let dataset = #expect(throws: HDF5Error.self) { try file.dataset("labels") }
        #expect(dataset?.kind == .notFound)
        #expect(dataset?.description == "HDF5 error: \(path): cannot open dataset '/labels': no such object")
        let group = #expect(throws: HDF5Error.self) { try file.group("embeddings") }
        #expect(group?.kind == .typeMismatch)
    }

    @Test func writingAReadOnlyFile() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        try file.createDataset("d", values: [Int32(1)])
        try file.close()
        let readOnly = try H5File.open(at: path)
        #expect(readOnly.mode == .readOnly)
        #expect(throws: HDF5Error.self) { try readOnly.createGroup("g") }
        #expect(throws: HDF5Error.self) { try readOnly.setAttribute("a", 1) }
        let write = #expect(throws: HDF5Error.self) { try readOnly.dataset("d").write([Int32(2)]) }
        #expect(write?.kind == .library)
        #expect(write?.message.isEmpty == false)
        try readOnly.close()

        let readWrite = try H5File.open(at: path, mode: .readWrite)
        try readWrite.dataset("d").write([Int32(5)])
        try readWrite.setAttribute("a", 1)
        try readWrite.close()
        #expect(try H5File.open(at: path).dataset("d").read(as: Int32.self) == [5])
    }

    @Test func closedFile() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        let dataset = try file.createDataset("d", values: [Int32(1)])
        try file.flush()
        try file.close()
        try file.close()
        #expect(!file.isOpen)
        let error = #expect(throws: HDF5Error.self) { try dataset.read(as: Int32.self) }
        #expect(error?.kind == .closed)
        // Everything was closed with the file: it can be reopened and synced.
        try H5File.fsync(path: path)
        try H5File.fsync(path: (path as NSString).deletingLastPathComponent)
        #expect(try H5File.open(at: path).dataset("d").read(as: Int32.self) == [1])
    }

    @Test func wrongTypes() throws {
        let file = try H5File.create(at: try scratchPath())
        let strings = try file.createDataset("s", strings: ["a"])
        let numbers = try file.createDataset("n", values: [Float(1)])
        #expect(throws: HDF5Error.self) { try strings.read(as: Float.self) }
        let error = #expect(throws: HDF5Error.self) { try numbers.readStrings() }
        #expect(error?.kind == .typeMismatch)
    }
}
