import Foundation
import ONNX

/// Tensors as ONNX stores them: `raw_data` holds the values little-endian (every platform cbr builds for is
/// little-endian, so the values' own bytes are copied).
enum TensorEncoding {
    static func tensor(_ name: String, dims: [Int], type: Onnx_TensorProto.DataType, raw: Data) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = Int32(type.rawValue)
        t.rawData = raw
        return t
    }

    static func float32(_ values: [Float]) -> Data {
        values.withUnsafeBytes { Data($0) }
    }

    /// Rounded to nearest float16 (values beyond ±65504 become ±infinity, as any float16 conversion does;
    /// the folded weights and the unit-length rows are far inside).
    static func float16(_ values: [Float]) -> Data {
        let half = values.map { Float16($0) }
        return half.withUnsafeBytes { Data($0) }
    }

    static func int64(_ values: [Int]) -> Data {
        values.map(Int64.init).withUnsafeBytes { Data($0) }
    }
}
