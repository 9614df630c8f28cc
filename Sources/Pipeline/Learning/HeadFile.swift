import Foundation
import HDF5
import ShardedIndex

/// The head file (`head.h5`): `weights` [C, d] float32 (row c is class c's weight vector), `bias` [C],
/// `class_ids` [C] int32 and `classes` [C] strings (the index's ids and names), and attributes `format`
/// (`cbr-head`), `version`, `l2`, `temperature`, `index_generation`, `index_fingerprint`, `model_name`,
/// `model_checksum`. Written under a temporary name and renamed when complete; every size read back is
/// checked before anything is allocated from it.
public enum HeadFile {
    public static let formatName = "cbr-head"
    public static let version = 1

    public static func write(_ head: LinearHead, to path: String) throws {
        try AtomicOutput.write(to: path) { output in
            try output.closeDescriptor()
            let file = try H5File.create(at: output.temporary.description, overwrite: true)
            try file.setAttribute("format", formatName)
            try file.setAttribute("version", version)
            try file.setAttribute("l2", head.l2)
            try file.setAttribute("temperature", head.temperature)
            try file.setAttribute("index_generation", head.index.generation)
            try file.setAttribute("index_fingerprint", head.index.fingerprint)
            if let model = head.model {
                try file.setAttribute("model_name", model.name)
                try file.setAttribute("model_checksum", model.checksum)
            }
            try file.createDataset("weights", values: head.weights, shape: [head.classCount, head.dimension])
            try file.createDataset("bias", values: head.bias)
            try file.createDataset("class_ids", values: head.classIDs)
            try file.createDataset("classes", strings: head.classNames)
            try file.close()
        }
    }

    public static func read(_ path: String) throws -> LinearHead {
        func bad(_ reason: String) -> HeadError { HeadError(file: path, reason: reason) }
        guard FileManager.default.fileExists(atPath: path) else { throw bad("no such file") }
        do {
            let file = try H5File.open(at: path)
            defer { try? file.close() }
            guard try file.hasAttribute("format"), try file.attribute("format", as: String.self) == formatName else {
                throw bad("not a cbr head file (no format attribute \"\(formatName)\")")
            }
            let fileVersion = try file.attribute("version", as: Int.self)
            guard fileVersion <= version else { throw bad("head file version \(fileVersion) is newer than this cbr's \(version)") }
            let weights = try file.dataset("weights"), bias = try file.dataset("bias")
            let ids = try file.dataset("class_ids"), names = try file.dataset("classes")
            let shape = try weights.shape
            guard shape.count == 2, shape[0] > 0, Limits.dimension.contains(shape[1]) else {
                throw bad("weights have shape \(shape), not [classes, d] with 1 ≤ d ≤ \(Limits.dimension.upperBound)")
            }
            let (classes, d) = (shape[0], shape[1])
            guard classes <= Limits.valuesInMemory / d else { throw bad("weights [\(classes), \(d)] exceed \(Limits.valuesInMemory) values") }
            for (name, dataset) in [("bias", bias), ("class_ids", ids), ("classes", names)] {
                guard try dataset.shape == [classes] else { throw bad("\(name) has shape \(try dataset.shape), expected [\(classes)]") }
            }
            let values = try weights.read(as: Float.self)
            let offsets = try bias.read(as: Float.self)
            guard values.allSatisfy(\.isFinite), offsets.allSatisfy(\.isFinite) else { throw bad("weights or bias hold a NaN or an infinity") }
            let l2 = try file.attribute("l2", as: Double.self)
            let temperature = try file.attribute("temperature", as: Float.self)
            guard l2.isFinite, l2 >= 0, temperature.isFinite, temperature > 0 else {
                throw bad("l2 \(l2) or temperature \(temperature) out of range")
            }
            let model: Manifest.Model? = try file.hasAttribute("model_name")
                ? Manifest.Model(name: try file.attribute("model_name", as: String.self),
                                 checksum: try file.attribute("model_checksum", as: String.self)) : nil
            return LinearHead(dimension: d, classIDs: try ids.read(as: Int32.self), classNames: try names.readStrings(),
                              weights: values, bias: offsets, l2: l2, temperature: temperature,
                              index: IndexIdentity(generation: try file.attribute("index_generation", as: Int.self),
                                                   fingerprint: try file.attribute("index_fingerprint", as: String.self)),
                              model: model)
        } catch let error as HeadError {
            throw error
        } catch {
            throw bad("\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable")
        }
    }
}
