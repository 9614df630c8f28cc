import Foundation
import HDF5

extension Durability {
    /// Writes the index's HDF5 file `name` (`prototypes-G.h5`, `classes-G.h5`, `projection-G.h5`) under
    /// `directory` crash-safely: whatever holds `name.partial` is unlinked first (never written through a link),
    /// `body` fills a fresh `name.partial`, which is closed, fsynced and renamed into place. HDF5 failures name
    /// the partial file.
    static func writeIndexFile(_ name: String, in directory: URL, _ body: (H5File) throws -> Void) throws {
        let url = directory.appendingPathComponent(name)
        let partial = url.appendingPathExtension("partial")
        IndexPaths.removeFile(partial)
        try ShardFile.wrap(partial) {
            let file = try H5File.create(at: partial, overwrite: true)
            try body(file)
            try file.close()
        }
        try publish(partial, as: url)
    }
}
