import HDF5
import Testing

@Suite struct AttributeTests {
    @Test func scalarAndArrayAttributesOnEveryKindOfObject() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        let group = try file.createGroup("g")
        let dataset = try group.createDataset("d", values: [Float(1)])
        for object in [file, group, dataset] as [H5Object] {
            try object.setAttribute("count", 42)
            try object.setAttribute("scale", 0.125)
            try object.setAttribute("name", "efficientnet-lite0 ✓")
            try object.setAttribute("mean", [Float(0.485), 0.456, 0.406])
            try object.setAttribute("sizes", [Int32(224), 240, 260])
            try object.setAttribute("tags", ["a", "bé", ""])
            try object.setAttribute("empty", [Float]())
        }
        try file.setAttribute("count", 43)  // replaces
        try file.close()

        let reopened = try H5File.open(at: path)
        let objects: [H5Object] = [reopened, try reopened.group("g"), try reopened.dataset("g/d")]
        for (index, object) in objects.enumerated() {
            #expect(try object.attribute("count", as: Int.self) == (index == 0 ? 43 : 42))
            #expect(try object.attribute("count", as: Int32.self) == (index == 0 ? 43 : 42))
            #expect(try object.attributeType("count") == .int64)
            #expect(try object.attribute("scale", as: Double.self) == 0.125)
            #expect(try object.attribute("name", as: String.self) == "efficientnet-lite0 ✓")
            #expect(try object.attribute("mean", as: [Float].self) == [0.485, 0.456, 0.406])
            #expect(try object.attribute("sizes", as: [Int32].self) == [224, 240, 260])
            #expect(try object.attribute("tags", as: [String].self) == ["a", "bé", ""])
            #expect(try object.attribute("empty", as: [Float].self) == [])
            #expect(try object.attributeNames() == ["count", "empty", "mean", "name", "scale", "sizes", "tags"])
            #expect(try object.hasAttribute("mean"))
            #expect(try !object.hasAttribute("missing"))
        }
    }

    @Test func attributeErrors() throws {
        let file = try H5File.create(at: try scratchPath("attrs.h5"))
        try file.setAttribute("mean", [Float(1), 2])
        let missing = #expect(throws: HDF5Error.self) { try file.attribute("nope", as: Int.self) }
        #expect(missing?.kind == .notFound)
        #expect(missing?.description.contains("attrs.h5") == true)
        #expect(missing?.description.contains("nope") == true)
        let notScalar = #expect(throws: HDF5Error.self) { try file.attribute("mean", as: Float.self) }
        #expect(notScalar?.kind == .shapeMismatch)
        let notString = #expect(throws: HDF5Error.self) { try file.attribute("mean", as: String.self) }
        #expect(notString?.kind == .typeMismatch)
        try file.deleteAttribute("mean")
        #expect(try !file.hasAttribute("mean"))
    }
}
