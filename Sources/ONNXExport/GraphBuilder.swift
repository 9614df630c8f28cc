import Foundation
import ONNX

/// Accumulates an ONNX graph: nodes in execution order, initializers, and unique value names.
struct GraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    /// How `weight` stores its values.
    let weightType: ExportOptions.WeightType
    private var counter = 0

    init(weightType: ExportOptions.WeightType) {
        self.weightType = weightType
    }

    /// A fresh value name starting with `prefix`.
    mutating func name(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)_\(counter)"
    }

    /// Appends a node; returns its output names (`outputs` fresh names, unless `named`).
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], outputs: Int = 1, named: [String]? = nil,
                       _ attributes: [Onnx_AttributeProto] = []) -> [String] {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name(op)
        n.input = inputs
        n.output = named ?? (0..<outputs).map { _ in name(op.lowercased()) }
        n.attribute = attributes
        nodes.append(n)
        return n.output
    }

    /// One-output node.
    mutating func apply(_ op: String, _ inputs: [String], _ attributes: [Onnx_AttributeProto] = []) -> String {
        node(op, inputs, attributes)[0]
    }

    /// A float weight (conv kernel, index rows): stored in `weightType`; a float16 weight is followed by a
    /// Cast, so the graph computes in float32 either way. Returns the float32 value's name.
    mutating func weight(_ prefix: String, _ values: [Float], dims: [Int]) -> String {
        let stored = name(prefix)
        switch weightType {
        case .float32:
            initializers.append(TensorEncoding.tensor(stored, dims: dims, type: .float, raw: TensorEncoding.float32(values)))
            return stored
        case .float16:
            initializers.append(TensorEncoding.tensor(stored, dims: dims, type: .float16, raw: TensorEncoding.float16(values)))
            return apply("Cast", [stored], [Attribute.int("to", Int(Onnx_TensorProto.DataType.float.rawValue))])
        }
    }

    /// A float32 constant whatever `weightType` (biases, scalars: small, and kept exact).
    mutating func float32(_ prefix: String, _ values: [Float], dims: [Int]) -> String {
        let stored = name(prefix)
        initializers.append(TensorEncoding.tensor(stored, dims: dims, type: .float, raw: TensorEncoding.float32(values)))
        return stored
    }

    /// An int64 constant (shapes, indices, axes).
    mutating func int64(_ prefix: String, _ values: [Int], dims: [Int]? = nil) -> String {
        let stored = name(prefix)
        initializers.append(TensorEncoding.tensor(stored, dims: dims ?? [values.count], type: .int64,
                                                  raw: TensorEncoding.int64(values)))
        return stored
    }
}
