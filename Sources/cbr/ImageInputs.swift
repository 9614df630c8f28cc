import ArgumentParser
import Embedder
import Foundation

/// Command-line image inputs: files as given, directories searched recursively for images (sorted).
enum ImageFiles {
    static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    static func expand(_ inputs: [String]) -> [URL] {
        var files: [URL] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            // A path that is not a directory is an image input (one that does not exist fails like a bad image).
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory), isDirectory.boolValue else {
                files.append(URL(fileURLWithPath: input))
                continue
            }
            let root = URL(fileURLWithPath: input)
            let found = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])?
                .compactMap { $0 as? URL }
                .filter { extensions.contains($0.pathExtension.lowercased()) } ?? []
            files += found.sorted { $0.path < $1.path }
        }
        return files
    }

    /// Lists failed images on stderr, one line each (file and reason); returns how many.
    static func report(_ failures: [EmbeddedBatch.Failure]) -> Int {
        for failure in failures {
            let reason = "\(failure.error)"
            let line = reason.hasPrefix(failure.file.path) ? reason : "\(failure.file.path): \(reason)"
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        return failures.count
    }
}

/// Runs an image command's body; an error that is not an exit code becomes one line on stderr and exit code 2.
func runImageCommand(_ body: () throws -> Void) throws {
    do { try body() } catch let exit as ExitCode { throw exit } catch {
        FileHandle.standardError.write(Data("cbr: \(error)\n".utf8))
        throw ExitCode(2)
    }
}
