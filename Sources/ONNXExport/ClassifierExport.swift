import Embedder
import Foundation
import ONNX
import ShardedIndex

/// Builds the whole classifier as one ONNX model (docs/export.md): uint8 NHWC images → preprocessing →
/// the folded EfficientNet-Lite → L2 normalization → retrieval layer → per-class aggregation → scores and
/// top-K. Removed classes are left out.
public enum ClassifierExport {
    public static let opset = 17
    /// ONNX IR version 8 is the one that goes with opset 17.
    static let irVersion: Int64 = 8
    public static let inputName = "images"
    public static let outputNames = (scores: "scores", topScores: "top_scores", topClasses: "top_classes",
                                     embeddings: "embeddings")

    /// The model for `model` (the index's embedder, checked against the index by the caller) and the rows
    /// of the index `reader` reads.
    public static func build(model: FoldedModel, index reader: ShardedIndexReader, options: ExportOptions,
                             producerVersion: String) throws -> ExportedModel {
        // The preprocessor's `(x − mean) / std`, as the model file records it.
        let normalization = (mean: Float(ModelFile.normalizationMean), std: Float(ModelFile.normalizationStd))
        let manifest = reader.manifest
        let transform = try QueryTransform.of(reader)
        let expected = transform.inputDimension(index: manifest.dimension)
        guard expected == model.featureDimension else {
            throw ExportError(file: reader.directory.path, reason: .modelMismatch(
                "the index takes d = \(expected), the model's embeddings d = \(model.featureDimension)"))
        }
        let rows = try ExportedRows(reader)
        let classCount = rows.classes.count
        let k = min(options.top, classCount)

        var graph = GraphBuilder(weightType: options.weightType)
        let input = graph.preprocess(inputName, mean: normalization.mean, std: normalization.std)
        let features = graph.features(model, input: input)
        let embeddings = graph.l2Normalized(features)
        graph.node("Identity", [embeddings], named: [outputNames.embeddings])
        let query = transform.apply(embeddings, in: &graph)
        let scores: String
        let retrievalRows: Int
        switch options.aggregation {
        case .max:
            scores = graph.maxScores(query, rows)
            retrievalRows = rows.rowCount
        case .mean:
            scores = graph.matrixScores(query, rows.classMeans(), classes: classCount, dimension: rows.dimension)
            retrievalRows = classCount
        case .prototype:
            scores = graph.matrixScores(query, try prototypes(reader, rows), classes: classCount, dimension: rows.dimension)
            retrievalRows = classCount
        }
        graph.node("Identity", [scores], named: [outputNames.scores])
        graph.topK(outputNames.scores, k: k, values: outputNames.topScores, indices: outputNames.topClasses)

        let size = model.inputSize
        let shorter = Int((Double(size * 256) / 224).rounded(.toNearestOrEven))
        let recipe = ExportRecipe(
            backbone: "efficientnet-\(model.variant.rawValue)", modelChecksum: "sha256:\(model.sourceChecksum)",
            inputSize: size, input: "\(inputName): uint8 [N, \(size), \(size), 3] (NHWC, RGB)",
            preprocessing: .init(
                resize: "shorter side to \(shorter) px, Pillow BILINEAR, new dimensions round-half-even",
                shorterSide: shorter, crop: "centre \(size)×\(size) at ((W − \(size)) div 2, (H − \(size)) div 2)",
                mean: normalization.mean, std: normalization.std),
            embedding: "pooled head features, L2-normalized, d = \(model.featureDimension)",
            queryTransform: transform.name, aggregation: options.aggregation, weights: options.weightType,
            top: k, classes: classCount, retrievalRows: retrievalRows,
            index: .init(path: reader.directory.path, generation: manifest.generation, rows: manifest.rowCount,
                         dimension: manifest.dimension, dtype: manifest.dtype.rawValue,
                         classesLeftOut: manifest.classes.count - classCount),
            outputs: [outputNames.scores: "float [N, \(classCount)]: class scores, classes as in cbr.classes",
                      outputNames.topScores: "float [N, \(k)]: the best scores, best first",
                      outputNames.topClasses: "int64 [N, \(k)]: their class indices into cbr.classes",
                      outputNames.embeddings: "float [N, \(model.featureDimension)]: the L2-normalized embeddings"],
            opset: opset)

        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.domain = ""
        opsetID.version = Int64(opset)
        proto.opsetImport = [opsetID]
        proto.producerName = "cbr"
        proto.producerVersion = producerVersion
        proto.docString = "cbr classification by retrieval: \(recipe.backbone), \(classCount) classes, "
            + "\(options.aggregation.rawValue) over \(retrievalRows) rows"
        proto.metadataProps = [entry(ExportRecipe.metadataKey, recipe.json()),
                               entry(ExportRecipe.classesKey, classNamesJSON(rows.classes.map(\.name)))]
        var g = Onnx_GraphProto()
        g.name = "cbr_classifier"
        g.node = graph.nodes
        g.initializer = graph.initializers
        g.input = [ValueInfo.tensor(inputName, .uint8, ["N", .value(size), .value(size), 3])]
        g.output = [ValueInfo.tensor(outputNames.scores, .float, ["N", .value(classCount)]),
                    ValueInfo.tensor(outputNames.topScores, .float, ["N", .value(k)]),
                    ValueInfo.tensor(outputNames.topClasses, .int64, ["N", .value(k)]),
                    ValueInfo.tensor(outputNames.embeddings, .float, ["N", .value(model.featureDimension)])]
        proto.graph = g
        return ExportedModel(proto: proto, recipe: recipe, classNames: rows.classes.map(\.name))
    }

    /// The index's prototypes (normalized class means) of the exported classes, in their order.
    static func prototypes(_ reader: ShardedIndexReader, _ rows: ExportedRows) throws -> [Float] {
        let all = try reader.prototypes()
        let d = rows.dimension
        var out = [Float](repeating: 0, count: rows.classes.count * d)
        for (p, c) in rows.classes.enumerated() {
            let id = Int(c.id)
            guard (id + 1) * d <= all.count else {
                throw ExportError(file: reader.directory.path, reason: .inconsistentIndex("no prototype for class \(id)"))
            }
            for i in 0..<d { out[p * d + i] = all[id * d + i] }
        }
        return out
    }

    static func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var e = Onnx_StringStringEntryProto()
        e.key = key
        e.value = value
        return e
    }

    static func classNamesJSON(_ names: [String]) -> String {
        // An array of strings always encodes.
        (try? JSONEncoder().encode(names)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}

/// Graph inputs and outputs (`ValueInfoProto`): a tensor type with fixed or named dimensions.
enum ValueInfo {
    enum Dim: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
        case value(Int), name(String)
        init(integerLiteral v: Int) { self = .value(v) }
        init(stringLiteral s: String) { self = .name(s) }
    }

    static func tensor(_ name: String, _ type: Onnx_TensorProto.DataType, _ dims: [Dim]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map {
            var d = Onnx_TensorShapeProto.Dimension()
            switch $0 {
            case .value(let v): d.dimValue = Int64(v)
            case .name(let s): d.dimParam = s
            }
            return d
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(type.rawValue)
        tensor.shape = shape
        var t = Onnx_TypeProto()
        t.tensorType = tensor
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type = t
        return v
    }
}
