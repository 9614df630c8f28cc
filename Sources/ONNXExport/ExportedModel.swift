import Foundation
import ONNX
import SwiftProtobuf

/// A built classifier model, ready to be written: the ONNX message, its recipe and class names.
public struct ExportedModel {
    var proto: Onnx_ModelProto
    public let recipe: ExportRecipe
    public let classNames: [String]

    /// Bytes of all initializers (weights, index rows, constants).
    public var tensorBytes: Int { proto.graph.initializer.reduce(0) { $0 + $1.rawData.count } }

    /// Whether `options` (or the size) sends tensors to an external data file, and from which size.
    public func externalThreshold(_ options: ExportOptions) -> Int? {
        options.externalDataThreshold ?? (tensorBytes > ExportOptions.inlineLimit ? ExportOptions.automaticThreshold : nil)
    }

    /// The model's bytes. With `external`, every tensor of at least `threshold` bytes is handed to `append`
    /// (in order, each at an offset aligned to 4096 bytes so that a runtime can map it) and the model refers
    /// to it in the data file `fileName` (ONNX external data: location, offset, length), which must end up
    /// next to the model.
    public func serialized(external: (threshold: Int, fileName: String, append: (Data) throws -> Void)? = nil) throws -> Data {
        var proto = self.proto
        if let external {
            var offset = 0
            for i in proto.graph.initializer.indices where proto.graph.initializer[i].rawData.count >= external.threshold {
                let padding = (4096 - offset % 4096) % 4096
                if padding > 0 { try external.append(Data(count: padding)) }
                offset += padding
                var tensor = proto.graph.initializer[i]
                let length = tensor.rawData.count
                try external.append(tensor.rawData)
                tensor.rawData = Data()
                tensor.dataLocation = .external
                tensor.externalData = [ClassifierExport.entry("location", external.fileName),
                                       ClassifierExport.entry("offset", "\(offset)"),
                                       ClassifierExport.entry("length", "\(length)")]
                proto.graph.initializer[i] = tensor
                offset += length
            }
        }
        let size = try proto.serializedBytes() as Data
        guard size.count <= Int(Int32.max) else {
            throw ExportError(file: "", reason: .tooLarge("the model's protobuf is \(size.count) bytes (2 GiB at most)"))
        }
        return size
    }
}
