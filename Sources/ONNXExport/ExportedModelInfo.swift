import Foundation
import ONNX
import SwiftProtobuf

/// What `cbr export --info` reads back from a model file: the recipe, the class names, and the graph's
/// interface. The file is untrusted: its size is checked before it is read, protobuf decoding errors and
/// missing or malformed metadata are one-line errors.
public struct ExportedModelInfo {
    public let recipe: ExportRecipe
    public let classNames: [String]
    public let opset: Int
    public let producer: String
    /// `name: type [dims]` of each graph input and output.
    public let inputs: [String]
    public let outputs: [String]
    public let nodeCount: Int
    public let tensorBytes: Int
    /// Data files the model's tensors refer to (ONNX external data).
    public let externalFiles: [String]

    /// A serialized ModelProto can be at most 2 GiB.
    public static let maxFileBytes = Int(Int32.max)

    public init(contentsOf url: URL) throws {
        let file = url.path
        let attributes = try? FileManager.default.attributesOfItem(atPath: file)
        guard let attributes, let size = (attributes[.size] as? NSNumber)?.intValue else {
            throw ExportError(file: file, reason: .notONNX("no such file, or not readable"))
        }
        guard (attributes[.type] as? FileAttributeType) == .typeRegular else {
            throw ExportError(file: file, reason: .notONNX("not a regular file"))
        }
        guard size <= Self.maxFileBytes else {
            throw ExportError(file: file, reason: .notONNX("\(size) bytes, more than protobuf's 2 GiB"))
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw ExportError(file: file, reason: .notONNX("cannot read the file"))
        }
        let proto: Onnx_ModelProto
        do { proto = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw ExportError(file: file, reason: .notONNX("protobuf: \(error)"))
        }
        guard proto.hasGraph else { throw ExportError(file: file, reason: .notONNX("no graph")) }
        func metadata(_ key: String) throws -> Data {
            guard let value = proto.metadataProps.last(where: { $0.key == key })?.value else {
                throw ExportError(file: file, reason: .notACBRExport("no \(key) metadata"))
            }
            return Data(value.utf8)
        }
        do {
            recipe = try JSONDecoder().decode(ExportRecipe.self, from: try metadata(ExportRecipe.metadataKey))
            classNames = try JSONDecoder().decode([String].self, from: try metadata(ExportRecipe.classesKey))
        } catch let error as ExportError {
            throw error
        } catch {
            throw ExportError(file: file, reason: .notACBRExport("malformed metadata: \(error)"))
        }
        guard recipe.format == ExportRecipe.formatName, recipe.classes == classNames.count else {
            throw ExportError(file: file, reason: .notACBRExport(
                "recipe format \"\(recipe.format)\" with \(recipe.classes) classes, \(classNames.count) class names"))
        }
        opset = Int(proto.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 0)
        producer = "\(proto.producerName) \(proto.producerVersion)"
        inputs = proto.graph.input.map(Self.describe)
        outputs = proto.graph.output.map(Self.describe)
        nodeCount = proto.graph.node.count
        let initializers = proto.graph.initializer
        tensorBytes = initializers.reduce(0) { total, t in
            total + (t.dataLocation == .external
                ? Int(t.externalData.first { $0.key == "length" }.flatMap { Int($0.value) } ?? 0) : t.rawData.count)
        }
        externalFiles = Array(Set(initializers.compactMap { t in t.externalData.first { $0.key == "location" }?.value })).sorted()
    }

    static func describe(_ v: Onnx_ValueInfoProto) -> String {
        let t = v.type.tensorType
        let type = Onnx_TensorProto.DataType(rawValue: Int(t.elemType)).map { "\($0)" } ?? "type \(t.elemType)"
        let dims = t.shape.dim.map { d -> String in
            switch d.value {
            case .dimValue(let n): "\(n)"
            case .dimParam(let s): s
            case nil: "?"
            }
        }
        return "\(v.name): \(type) [\(dims.joined(separator: ", "))]"
    }
}
