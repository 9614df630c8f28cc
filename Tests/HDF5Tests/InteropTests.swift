import Foundation
import HDF5
import Testing
import TestSupport

/// Files written here are read by h5py (the reference reader), and files h5py writes are read here.
@Suite struct InteropTests {
    /// What h5py reports about one dataset or attribute.
    struct Item: Decodable, Equatable {
        let dtype: String
        let shape: [Int]
        let values: [Value]
    }

    enum Value: Decodable, Equatable {
        case number(Double), text(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) { self = .number(number) } else {
                self = .text(try container.decode(String.self))
            }
        }
    }

    static let describe = """
    import h5py, json, sys
    import numpy as np
    def item(x):
        a = np.asarray(x[()] if isinstance(x, h5py.Dataset) else x)
        flat = a.reshape(-1).tolist()
        flat = [v.decode('utf-8') if isinstance(v, bytes) else v for v in flat]
        kind = h5py.check_string_dtype(a.dtype) if a.dtype.kind == 'O' else None
        dtype = 'vlen-str' if (kind is not None) else str(a.dtype)
        if isinstance(x, str): dtype = 'str'
        return {'dtype': dtype, 'shape': list(a.shape), 'values': flat}
    out = {}
    with h5py.File(sys.argv[1], 'r') as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = item(obj)
            for key, value in obj.attrs.items():
                out[name + '@' + key] = item(value)
        f.visititems(visit)
        for key, value in f.attrs.items():
            out['@' + key] = item(value)
    print(json.dumps(out))
    """

    @Test func h5pyReadsWhatSwiftWrote() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        try file.setAttribute("count", 3)
        try file.setAttribute("checksum", "sha256:abc")
        try file.setAttribute("mean", [Float(0.5), 0.25])
        try file.setAttribute("sizes", [Int32(224), 240])
        try file.setAttribute("tags", ["lite0", "é"])
        try file.setAttribute("scale", 0.125)
        let shard = try file.createGroup("shard")
        let embeddings = try shard.createDataset("embeddings", type: .float16, shape: [0, 3], maxShape: [nil, 3])
        try embeddings.append(rows: [Float16(0.5), -1, 2, 65504, 0.099975586, -0.0001])
        try embeddings.append(rows: [Float16(7), 8, 9])
        try embeddings.setAttribute("dtype", "float16")
        let ids = try shard.createDataset("ids", type: .string, shape: [0], maxShape: [nil])
        try ids.append(strings: ["a/b.jpg", "café.png"])
        try ids.append(strings: ["日本.jpg"])
        try shard.createDataset("labels", values: [Int32(-1), 0, 2_000_000_000])
        try shard.createDataset("big", values: [Int64(1) << 53, -5])
        try shard.createDataset("matrix", values: [Float(1.5), 2, 3, 4, 5, 6], shape: [2, 3])
        try shard.createDataset("doubles", values: [0.1, 1e300])
        try shard.createDataset("fixed", strings: ["ab", "xyz"], type: .fixedString(byteCount: 3))
        try file.close()

        let json = try TestData.runPython(Self.describe, [path])
        let items = try JSONDecoder().decode([String: Item].self, from: Data(json.utf8))
        let numbers = { (values: [Double]) in values.map(Value.number) }
        #expect(items["shard/embeddings"] == Item(dtype: "float16", shape: [3, 3],
                                                  values: numbers([0.5, -1, 2, 65504, 0.0999755859375,
                                                                   Double(Float16(-0.0001)), 7, 8, 9])))
        #expect(items["shard/ids"] == Item(dtype: "vlen-str", shape: [3],
                                           values: [.text("a/b.jpg"), .text("café.png"), .text("日本.jpg")]))
        #expect(items["shard/labels"] == Item(dtype: "int32", shape: [3], values: numbers([-1, 0, 2_000_000_000])))
        #expect(items["shard/big"] == Item(dtype: "int64", shape: [2], values: numbers([9007199254740992, -5])))
        #expect(items["shard/matrix"] == Item(dtype: "float32", shape: [2, 3], values: numbers([1.5, 2, 3, 4, 5, 6])))
        #expect(items["shard/doubles"] == Item(dtype: "float64", shape: [2], values: numbers([0.1, 1e300])))
        #expect(items["shard/fixed"] == Item(dtype: "|S3", shape: [2], values: [.text("ab"), .text("xyz")]))
        #expect(items["shard/embeddings@dtype"] == Item(dtype: "str", shape: [], values: [.text("float16")]))
        #expect(items["@count"] == Item(dtype: "int64", shape: [], values: numbers([3])))
        #expect(items["@scale"] == Item(dtype: "float64", shape: [], values: numbers([0.125])))
        #expect(items["@checksum"] == Item(dtype: "str", shape: [], values: [.text("sha256:abc")]))
        #expect(items["@mean"] == Item(dtype: "float32", shape: [2], values: numbers([0.5, 0.25])))
        #expect(items["@sizes"] == Item(dtype: "int32", shape: [2], values: numbers([224, 240])))
        #expect(items["@tags"] == Item(dtype: "vlen-str", shape: [2], values: [.text("lite0"), .text("é")]))
    }

    @Test func swiftReadsWhatH5pyWrote() throws {
        let path = try scratchPath()
        try TestData.runPython("""
        import h5py, sys
        import numpy as np
        with h5py.File(sys.argv[1], 'w') as f:
            f.attrs['n'] = 7
            f.attrs['name'] = 'lite1'
            f.attrs['std'] = np.array([0.229, 0.224, 0.225], dtype=np.float32)
            g = f.create_group('weights')
            g.create_dataset('w', data=np.arange(24, dtype=np.float32).reshape(2, 3, 4), compression='gzip',
                             chunks=(1, 3, 4))
            g.create_dataset('h', data=np.array([0.5, -2, 1e-3], dtype=np.float16))
            g['h'].attrs['classes'] = ['cat', 'café']
            f.create_dataset('ids', data=['x', 'yé', ''], dtype=h5py.string_dtype())
            f.create_dataset('raw', data=np.array([b'ab', b'c'], dtype='S2'))
            f.create_dataset('labels', data=np.array([3, 1, 4], dtype=np.int64), maxshape=(None,))
            f.create_dataset('bytes', data=np.array([1, 255], dtype=np.uint8))
        """, [path])

        let file = try H5File.open(at: path)
        #expect(try file.attribute("n", as: Int.self) == 7)
        #expect(try file.attribute("name", as: String.self) == "lite1")
        #expect(try file.attribute("std", as: [Float].self) == [0.229, 0.224, 0.225])
        let w = try file.dataset("weights/w")
        #expect(try w.shape == [2, 3, 4])
        #expect(try w.chunkShape == [1, 3, 4])
        #expect(try w.read(as: Float.self) == (0..<24).map(Float.init))
        #expect(try w.readRows(1..<2, as: Float.self) == (12..<24).map(Float.init))
        let h = try file.dataset("weights/h")
        #expect(try h.elementType == .float16)
        #expect(try h.read(as: Float16.self) == [0.5, -2, Float16(0.001)])
        #expect(try h.read(as: Float.self) == [0.5, -2, Float(Float16(0.001))])
        #expect(try h.attribute("classes", as: [String].self) == ["cat", "café"])
        #expect(try file.dataset("ids").readStrings() == ["x", "yé", ""])
        #expect(try file.dataset("raw").elementType == .fixedString(byteCount: 2))
        #expect(try file.dataset("raw").readStrings() == ["ab", "c"])
        #expect(try file.dataset("labels").maxShape == [nil])
        #expect(try file.dataset("labels").read(as: Int64.self) == [3, 1, 4])
        #expect(try file.dataset("bytes").read(as: UInt8.self) == [1, 255])
        #expect(try file.children() == ["bytes", "ids", "labels", "raw", "weights"])
    }

    @Test func h5dumpShowsTheHalfType() throws {
        let path = try scratchPath()
        let file = try H5File.create(at: path)
        try file.createDataset("e", values: [Float16(1), 2])
        try file.close()
        let (status, output, _) = try ChildProcess.run("/usr/bin/h5dump", ["-d", "/e", path])
        #expect(status == 0)
        #expect(output.contains("16-bit little-endian floating-point"))
        #expect(output.contains("DATA {"))
    }
}
