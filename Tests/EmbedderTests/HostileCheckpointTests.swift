import Embedder
import ModelImport
import Foundation
import Testing
import TestSupport

/// Checkpoints edited from the real Lite0 weights to declare absurd sizes, offsets, strides, counts,
/// nesting and values: each gives a one-line `CheckpointError` naming the file, never a trap or a huge
/// allocation.
@Suite struct HostileCheckpointTests {
    static let original = Result { try CheckpointWriter.realLite0() }

    func importError(_ writer: CheckpointWriter) -> CheckpointError? {
        importError(writer.bytes)
    }

    func importError(_ bytes: [UInt8]) -> CheckpointError? {
        do {
            _ = try CheckpointImporter.importModel(bytes: bytes, file: "hostile.pth")
            return nil
        } catch {
            #expect(error.description.hasPrefix("hostile.pth: "))
            #expect(!error.description.contains("\n"))
            return error
        }
    }

    @Test("The re-serialised real checkpoint imports to the same model (the writer is faithful)")
    func rewrittenImportsTheSame() throws {
        let writer = try Self.original.get()
        var rewritten = try CheckpointImporter.importModel(bytes: writer.bytes, file: "rewritten.pth")
        let real = try CheckpointImporter.importModel(from: try Fixtures.checkpoint("lite0"))
        #expect(rewritten.sourceChecksum != real.sourceChecksum)
        rewritten.sourceChecksum = real.sourceChecksum
        #expect(rewritten == real)
    }

    @Test("Sizes 2^40 × 2^40, offset 2^63−1, stride 2^62: rejected with checked arithmetic")
    func overflowingViews() throws {
        let name = "_fc.weight"
        var sizes = try Self.original.get()
        sizes.tensors[sizes.tensorIndex(name)].shape = [1 << 40, 1 << 40]
        #expect(importError(sizes)?.description.contains("exceeds \(ImportLimits.maxTensorElements) elements") == true)

        var offset = try Self.original.get()
        offset.tensors[offset.tensorIndex(name)].offset = Int.max
        let o = importError(offset)?.description
        #expect(o?.contains("overflows") == true, "\(o ?? "no error")")

        var stride = try Self.original.get()
        stride.tensors[stride.tensorIndex(name)].strides = [1 << 62, 1]
        let s = importError(stride)?.description
        #expect(s?.contains("overflows") == true || s?.contains("reaches past its storage") == true, "\(s ?? "no error")")

        var past = try Self.original.get()
        past.tensors[past.tensorIndex(name)].offset = 1
        #expect(importError(past)?.description.contains("reaches past its storage of 1280000 elements") == true)
    }

    @Test("A huge stride on a dimension of size 1 is irrelevant and imports the same model")
    func strideOfASizeOneDimension() throws {
        var writer = try Self.original.get()
        let i = writer.tensorIndex("_blocks.3._depthwise_conv.weight")   // [144, 1, 3, 3]
        #expect(writer.tensors[i].shape[1] == 1)
        writer.tensors[i].strides[1] = Int.max
        var model = try CheckpointImporter.importModel(bytes: writer.bytes, file: "x.pth")
        let real = try CheckpointImporter.importModel(from: try Fixtures.checkpoint("lite0"))
        model.sourceChecksum = real.sourceChecksum
        #expect(model == real)
    }

    @Test("A stride-0 view of 3×10^8 elements over a small storage is refused before allocating")
    func strideZeroExpansion() throws {
        var writer = try Self.original.get()
        let i = writer.tensorIndex("_fc.bias")
        writer.tensors[i].shape = [300_000_000]
        writer.tensors[i].strides = [0]
        let r = importError(writer)?.description
        #expect(r?.contains("exceeds an import limit") == true, "\(r ?? "no error")")
    }

    @Test("Storage counts are checked against the declaration and the bytes that remain")
    func storageCounts() throws {
        var huge = try Self.original.get()
        let i = huge.tensorIndex("_fc.bias")
        let key = huge.tensors[i].storage, s = huge.storages.firstIndex { $0.key == key }!
        huge.tensors[i].declaredCount = 1 << 62
        huge.storages[s].count = 1 << 62
        let h = importError(huge)
        #expect(h?.reason == .truncated(detail: "storage \(key) of \(1 << 62) elements is cut short"), "\(String(describing: h))")

        var mismatch = try Self.original.get()
        mismatch.storages[s].count = UInt64.max
        #expect(importError(mismatch)?.description.contains("holds \(UInt64.max) elements, expected 1000") == true)

        // Two tensors claim one storage with different sizes: the smaller data must not serve the larger view.
        var shared = try Self.original.get()
        let w = shared.tensorIndex("_fc.weight")
        shared.tensors[i].storage = shared.tensors[w].storage
        shared.tensors[i].declaredCount = 1_280_000 * 4
        #expect(importError(shared)?.description.contains("declared with different types or sizes") == true)
    }

    @Test("Non-finite weights are refused with the tensor's name, also when they appear only after folding")
    func nonFiniteWeights() throws {
        var nan = try Self.original.get()
        nan.setValue("_blocks.5._project_conv.weight", index: 17, to: .nan)
        #expect(importError(nan)?.reason == .nonFinite(tensor: "_blocks.5._project_conv.weight", index: 17))

        var infinity = try Self.original.get()
        infinity.setValue("_fc.bias", index: 999, to: -.infinity)
        #expect(importError(infinity)?.reason == .nonFinite(tensor: "_fc.bias", index: 999))

        // running_var = −ε makes γ/√(var+ε) infinite.
        var variance = try Self.original.get()
        variance.setValue("_blocks.2._bn1.running_var", index: 3, to: -1e-3)
        let r = importError(variance)
        guard case .nonFinite(let tensor, _)? = r?.reason else {
            Issue.record("expected a non-finite error, got \(String(describing: r))")
            return
        }
        #expect(tensor.contains("_blocks.2._depthwise_conv.weight") || tensor.contains("_blocks.2._bn1"))
    }

    @Test("cbr model import of a NaN checkpoint exits 2 naming the tensor and writes nothing")
    func nanCheckpointOnTheCommandLine() throws {
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var nan = try Self.original.get()
        nan.setValue("_conv_head.weight", index: 0, to: .nan)
        let pth = dir.appendingPathComponent("nan.pth"), out = dir.appendingPathComponent("m.h5")
        try Data(nan.bytes).write(to: pth)
        let r = try CLIRun.cbr(["model", "import", pth.path, "--out", out.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(pth.path): tensor _conv_head.weight holds a non-finite value"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    // MARK: - The pickle machine

    func pickleError(_ body: [UInt8]) -> String? {
        var position = 0
        do {
            _ = try PickleReader.read([0x80, 0x02] + body + [0x2E], at: &position, file: "p.pkl")
            return nil
        } catch {
            guard case .pickle = error.reason else { return "wrong reason \(error)" }
            return error.description
        }
    }

    @Test("10^6 nested tuples stop at the nesting limit instead of overflowing the stack")
    func deepNesting() throws {
        let tuples = pickleError([0x29] + [UInt8](repeating: 0x85, count: 1_000_000))   // EMPTY_TUPLE, TUPLE1 × 10^6
        #expect(tuples?.contains("nested deeper than 1000") == true, "\(tuples ?? "no error")")
        let marks = pickleError([UInt8](repeating: 0x28, count: 1_000_000) + [UInt8](repeating: 0x74, count: 1_000_000))
        #expect(marks?.contains("nested deeper than 1000") == true, "\(marks ?? "no error")")
        let lists = pickleError([UInt8](repeating: 0x5D, count: 500_000) + [UInt8](repeating: 0x61, count: 499_999))
        #expect(lists?.contains("nested deeper than 1000") == true, "\(lists ?? "no error")")
        // Inside a checkpoint, as the state dict.
        let checkpoint = CheckpointWriter.header + [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 1_000_000) + [0x2E]
        #expect(importError(checkpoint)?.description.contains("nested deeper than 1000") == true)
        // 1000 deep is still read.
        #expect(pickleError([0x29] + [UInt8](repeating: 0x85, count: 999)) == nil)
    }

    @Test("Memoised values doubling 64 times, and a list holding itself, are refused")
    func expansionAndCycles() throws {
        // t0 = (); t(k+1) = (tk, tk): 2^64 nodes if expanded.
        var doubling: [UInt8] = [0x29, 0x71, 0]
        for k in 0..<64 { doubling += [0x68, UInt8(k), 0x68, UInt8(k), 0x86, 0x71, UInt8(k + 1)] }
        let d = pickleError(doubling)
        #expect(d?.contains("expands to more than \(ImportLimits.maxValueNodes) nodes") == true, "\(d ?? "no error")")
        // l = []; l.append(l)
        let cycle = pickleError([0x5D, 0x71, 0, 0x68, 0, 0x61])
        #expect(cycle?.contains("changed after it was put inside another value") == true, "\(cycle ?? "no error")")
    }
}
