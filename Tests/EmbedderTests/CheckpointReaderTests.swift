import Embedder
import ModelImport
import Foundation
import Testing
import TestSupport

/// The Swift pickle reader against Python's own pickle (through the reference's Unpickler) on the real files.
@Suite struct CheckpointReaderTests {
    @Test(arguments: [("lite0", 296), ("lite1", 386), ("lite2", 386)])
    func layoutMatchesPython(variant: String, tensorCount: Int) throws {
        let url = try Fixtures.checkpoint(variant)
        let checkpoint = try LegacyCheckpoint(contentsOf: url)
        #expect(checkpoint.tensors.count == tensorCount)

        let python = try Fixtures.python("""
            d = ref.describe_checkpoint(sys.argv[1])
            print(json.dumps([[k, list(s), list(st), o] for k, (s, st, o) in d.items()]))
            """, [url.path]) as! [[Any]]
        #expect(python.count == checkpoint.tensors.count)
        for (row, (name, reference)) in zip(python, checkpoint.tensors) {
            #expect(row[0] as? String == name)
            #expect(row[1] as? [Int] == reference.shape, "\(name) shape")
            #expect(row[2] as? [Int] == reference.strides, "\(name) stride")
            #expect(row[3] as? Int == reference.offset, "\(name) offset")
        }
    }

    @Test func valuesMatchPythonIncludingPermutedViews() throws {
        let url = try Fixtures.checkpoint("lite2")
        let checkpoint = try LegacyCheckpoint(contentsOf: url)
        let keys = ["_conv_stem.weight", "_blocks.16._depthwise_conv.weight", "_blocks.0._bn1.running_var",
                    "_fc.bias", "_blocks.20._project_conv.weight"]
        // The conv weights are stored as permuted (channels-last) views.
        #expect(checkpoint.reference("_conv_stem.weight")?.isContiguous == false)
        #expect(checkpoint.reference("_blocks.16._depthwise_conv.weight")?.isContiguous == false)
        let python = try Fixtures.python("""
            sd = ref.load_checkpoint(sys.argv[1])
            print(json.dumps({k: {"shape": list(sd[k].shape), "values": sd[k].astype(float).ravel().tolist()}
                              for k in sys.argv[2:]}))
            """, [url.path] + keys) as! [String: [String: Any]]
        for key in keys {
            let (shape, values) = try checkpoint.floats(key)
            #expect(python[key]?["shape"] as? [Int] == shape)
            let expected = (python[key]?["values"] as? [Double] ?? []).map(Float.init)
            #expect(expected == values, "\(key) values differ from Python's")
        }
    }
}
