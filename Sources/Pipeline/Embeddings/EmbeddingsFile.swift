import HDF5

/// The embeddings file `cbr embed` writes: `embeddings` [n, d] float32 (L2-normalised), `paths` [n], and
/// attributes naming the model. Written under a temporary name and renamed when complete.
public enum EmbeddingsFile {
    /// Writes the file into `output` (reserved before the run, so that a bad `--out` fails first) and commits it.
    /// `pixels`: `[n, size, size, 3]` RGB8, the network's input (`cbr embed --pixels`).
    public static func write(to output: AtomicOutput, embeddings: [Float], paths: [String], dimension: Int,
                             model: EmbeddingModel, pixels: [UInt8]? = nil) throws {
        try AtomicOutput.commit(output) { output in
            try output.closeDescriptor()
            let file = try H5File.create(at: output.temporary.description, overwrite: true)
            try file.createDataset("embeddings", values: embeddings, shape: [paths.count, dimension])
            try file.createDataset("paths", strings: paths, type: .fixedString(fitting: paths))
            if let pixels {
                let size = model.model.inputSize
                try file.createDataset("pixels", values: pixels, shape: [paths.count, size, size, 3])
            }
            try file.setAttribute("dimension", Int64(dimension))
            try file.setAttribute("count", Int64(paths.count))
            try file.setAttribute("architecture", fixed: model.identity.name)
            try file.setAttribute("model_checksum", fixed: model.model.sourceChecksum)
            try file.setAttribute("normalized", fixed: "l2")
            try file.close()
        }
    }
}
