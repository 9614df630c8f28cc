import Embedder
import ModelImport
import Foundation
import Testing
import TestSupport

/// The HDF5 model file: exact round trip, readable by h5py with the documented layouts, clear errors.
@Suite struct ModelFileTests {
    @Test(arguments: [Variant.lite0, .lite2])
    func roundTripIsExact(variant: Variant) throws {
        let model = try CheckpointImporter.importModel(from: try Fixtures.checkpoint(variant.rawValue))
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.h5")
        try ModelFile.write(model, to: url)
        #expect(try ModelFile.read(url) == model)
        // Writing again replaces the file.
        try ModelFile.write(model, to: url)
        #expect(try ModelFile.read(url) == model)
    }

    /// h5py sees the attributes, and the stored weights equal BN folding done in numpy from the reference's
    /// own reading of the checkpoint, in the documented layouts.
    @Test func h5pyReadsTheDocumentedLayout() throws {
        let checkpoint = try Fixtures.checkpoint("lite0")
        let model = try CheckpointImporter.importModel(from: checkpoint)
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.h5")
        try ModelFile.write(model, to: url)
        let result = try Fixtures.python("""
            import h5py, hashlib
            sd = {k: v.astype(np.float64) for k, v in ref.load_checkpoint(sys.argv[1]).items()}
            f = h5py.File(sys.argv[2], "r")
            def scale(bn):
                return sd[bn + ".weight"] / np.sqrt(sd[bn + ".running_var"] + 1e-3)
            def bias(bn):
                return sd[bn + ".bias"] - sd[bn + ".running_mean"] * scale(bn)
            err = 0.0
            def check(stored, expected):
                global err
                assert stored.shape == expected.shape, (stored.shape, expected.shape)
                err = max(err, float(np.max(np.abs(stored - expected) / (np.abs(expected) + 1e-6))))
            check(f["stem/weight"][()], np.transpose(sd["_conv_stem.weight"] * scale("_bn0")[:, None, None, None], (2, 3, 1, 0)))
            check(f["stem/bias"][()], bias("_bn0"))
            p = "_blocks.11."
            check(f["blocks/11/expand/weight"][()], (sd[p + "_expand_conv.weight"][:, :, 0, 0] * scale(p + "_bn0")[:, None]).T)
            check(f["blocks/11/depthwise/weight"][()], np.transpose(sd[p + "_depthwise_conv.weight"][:, 0] * scale(p + "_bn1")[:, None, None], (1, 2, 0)))
            check(f["blocks/11/depthwise/bias"][()], bias(p + "_bn1"))
            check(f["blocks/11/project/weight"][()], (sd[p + "_project_conv.weight"][:, :, 0, 0] * scale(p + "_bn2")[:, None]).T)
            check(f["head/weight"][()], (sd["_conv_head.weight"][:, :, 0, 0] * scale("_bn1")[:, None]).T)
            check(f["classifier/weight"][()], sd["_fc.weight"].T)
            a = f.attrs
            print(json.dumps({"err": err, "variant": a["variant"], "input_size": int(a["input_size"]),
                "mean": float(a["normalization_mean"]), "std": float(a["normalization_std"]),
                "width": float(a["width_multiplier"]), "depth": float(a["depth_multiplier"]),
                "features": int(a["feature_dimension"]), "version": int(a["format_version"]),
                "architecture": a["architecture"], "blocks": len(f["blocks"]),
                "sha": a["source_sha256"] == hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()}))
            """, [checkpoint.path, url.path]) as! [String: Any]
        #expect((result["err"] as? Double ?? 1) < 1e-5)
        #expect(result["variant"] as? String == "lite0")
        #expect(result["architecture"] as? String == "efficientnet-lite0")
        #expect(result["input_size"] as? Int == 224)
        #expect(result["mean"] as? Double == 127 && result["std"] as? Double == 128)
        #expect(result["width"] as? Double == 1 && result["depth"] as? Double == 1)
        #expect(result["features"] as? Int == 1280 && result["version"] as? Int == 1)
        #expect(result["blocks"] as? Int == 16)
        #expect(result["sha"] as? Bool == true)
    }

    func readError(_ url: URL) -> String? {
        do {
            _ = try ModelFile.read(url)
            return nil
        } catch {
            #expect(error.description.hasPrefix(url.path + ": "))
            return error.description
        }
    }

    @Test func notAModelFile() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("text.h5"), other = dir.appendingPathComponent("other.h5")
        try Data("hello".utf8).write(to: text)
        #expect(readError(text)?.contains("not an HDF5 file") == true)
        #expect(readError(dir.appendingPathComponent("missing.h5"))?.contains("no such file") == true)
        try TestData.runPython("import h5py, sys; h5py.File(sys.argv[1], 'w')['x'] = [1, 2]", [other.path])
        #expect(readError(other)?.contains("not a cbr model file") == true)
    }

    @Test func tamperedShapesAndVersions() throws {
        let model = try CheckpointImporter.importModel(from: try Fixtures.checkpoint("lite0"))
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let shape = dir.appendingPathComponent("shape.h5"), version = dir.appendingPathComponent("version.h5")
        try ModelFile.write(model, to: shape)
        try ModelFile.write(model, to: version)
        try TestData.runPython("""
            import h5py, sys, numpy as np
            with h5py.File(sys.argv[1], "a") as f:
                del f["blocks/05/project/weight"]
                f["blocks/05/project/weight"] = np.zeros((240, 41), np.float32)
            with h5py.File(sys.argv[2], "a") as f:
                f.attrs["format_version"] = 99
            """, [shape.path, version.path])
        let r = readError(shape)
        #expect(r?.contains("blocks/05/project/weight has shape [240, 41], expected [240, 80]") == true, "\(r ?? "no error")")
        #expect(readError(version)?.contains("format version 99") == true)
    }
}

/// Model files edited with h5py to hold non-finite weights, integer weights, or non-integer attributes.
@Suite struct TamperedModelFileTests {
    static let model = Result { try CheckpointImporter.importModel(from: try Fixtures.checkpoint("lite0")) }

    /// Writes the real Lite0 model file, applies `edit` (Python, `f` open for appending), returns the error.
    func errorAfter(_ edit: String) throws -> ModelFileError? {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.h5")
        try ModelFile.write(try Self.model.get(), to: url)
        try TestData.runPython("import h5py, sys, numpy as np\nwith h5py.File(sys.argv[1], 'a') as f:\n    "
            + edit.replacingOccurrences(of: "\n", with: "\n    "), [url.path])
        do {
            _ = try ModelFile.read(url)
            return nil
        } catch {
            #expect(error.description.hasPrefix(url.path + ": "))
            #expect(!error.description.contains("\n"))
            return error
        }
    }

    @Test func nonFiniteWeightsNameTheDataset() throws {
        let nan = try errorAfter("f['blocks/07/depthwise/weight'][1, 2, 30] = np.nan")
        // [3][3][480] row-major: (1·3 + 2)·480 + 30.
        #expect(nan?.reason == .nonFinite(dataset: "blocks/07/depthwise/weight", index: 5 * 480 + 30), "\(String(describing: nan))")
        let inf = try errorAfter("f['classifier/bias'][999] = np.inf")
        #expect(inf?.reason == .nonFinite(dataset: "classifier/bias", index: 999))
    }

    @Test func wronglyTypedDatasetsAndAttributes() throws {
        let ints = try errorAfter("w = f['head/bias'][()]\ndel f['head/bias']\nf['head/bias'] = w.astype(np.int32)")
        #expect(ints?.description.contains("head/bias is int32, expected float32") == true, "\(String(describing: ints))")
        let version = try errorAfter("f.attrs['format_version'] = 1.5")
        #expect(version?.description.contains("@format_version is float64, expected an integer") == true,
                "\(String(describing: version))")
        let huge = try errorAfter("f['stem'].attrs['kernel'] = np.uint64(2**64 - 1)")
        #expect(huge?.description.contains("@kernel is uint64, expected an integer") == true, "\(String(describing: huge))")
        let stride = try errorAfter("f['blocks/03/depthwise'].attrs['stride'] = 3")
        #expect(stride?.description.contains("blocks/03/depthwise: kernel/stride differ") == true)
        let sha = try errorAfter("f.attrs['source_sha256'] = 'x' * 10000")
        #expect(sha?.description.contains("source_sha256 is not a SHA-256 hex digest") == true)
    }
}
