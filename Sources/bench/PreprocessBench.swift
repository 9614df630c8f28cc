import ArgumentParser
import Foundation
import Imaging
import Pipeline

/// Image decode + preprocessing (shorter side to 256, centre 224 crop, (x − 127)/128) per photo, one thread,
/// next to the same Pillow pipeline run by `--python` in the same invocation.
struct PreprocessBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Decode + resize + crop + normalise: images/s per photo, one thread, vs Pillow in the same run.")

    @Option(help: "Folder of photos (default: $CBR_HOME/photos).") var photos: String?
    @Option(help: "Python with Pillow and numpy for the peer (default: $CBR_HOME/venv/bin/python; '' to skip).")
    var python: String?
    @Option(help: "Network input size.") var size = 224
    @Option(help: "Repeats per measurement (the median is reported).") var repeats = 15
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Decoding: exact, or fast (large JPEGs drafted at 1/2, 1/4, 1/8 scale).") var decode = DecodeMode.exact

    func run() throws {
        let home = CBRHome.current
        let folder = photos.map { URL(fileURLWithPath: $0) } ?? home.photos
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        let interpreter = python ?? home.python.path
        let peer = interpreter.isEmpty ? [:] : try pillowMilliseconds(interpreter, folder: folder, names: names)

        var report = Report(benchmark: "preprocess (\(decode.rawValue) decoding)", columns: ["photo", "size", "decode ms", "tensor ms",
                                                               "cbr img/s", "Pillow img/s", "ratio"])
        let pre = Preprocessor(size: size)
        let decoder = ImageDecoder(for: pre, mode: decode)
        var tensor = [Float](repeating: 0, count: pre.tensorCount)
        for name in names {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            let image = try decoder.decode(data: data, name: name)
            let decode = try median { _ = try decoder.decode(data: data, name: name) }
            let prepare = median { tensor.withUnsafeMutableBufferPointer { pre.tensor(from: image, into: $0) } }
            let total = try median {
                let decoded = try decoder.decode(data: data, name: name)
                tensor.withUnsafeMutableBufferPointer { pre.tensor(from: decoded, into: $0) }
            }
            let pillow = peer[name].map { 1000 / $0 } ?? .nan
            report.add([.text(name), .text("\(image.width)×\(image.height)"), .number(decode * 1000, digits: 2),
                        .number(prepare * 1000, digits: 2), .number(1 / total, digits: 0),
                        .number(pillow, digits: 0), .number((1 / total) / pillow, digits: 2)])
        }
        report.notes.append("one thread, medians of \(repeats); Pillow: exif_transpose(open).convert('RGB'), "
                            + "resize BILINEAR, crop, numpy (x-127)/128, from bytes in memory")
        try report.emit(json: json)
    }

    private func median(_ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0 ..< max(repeats, 1) {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        return times.sorted()[times.count / 2]
    }

    /// Median milliseconds per photo of the Pillow pipeline, run by `python` now.
    private func pillowMilliseconds(_ python: String, folder: URL, names: [String]) throws -> [String: Double] {
        let script = """
        import io, sys, time
        import numpy as np
        from PIL import Image, ImageOps
        folder, size, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        S = round(size * 256 / 224)
        for name in sys.argv[4:]:
            data = open(f"{folder}/{name}", "rb").read()
            def pipeline():
                img = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
                s = S / min(img.size)
                new = (round(img.width * s), round(img.height * s))
                img = img.resize(new, Image.BILINEAR)
                left, top = (new[0] - size) // 2, (new[1] - size) // 2
                crop = img.crop((left, top, left + size, top + size))
                return (np.asarray(crop, dtype=np.float32) - 127) / 128
            times = []
            for _ in range(repeats):
                start = time.perf_counter(); pipeline(); times.append(time.perf_counter() - start)
            print(f"{name}\\t{sorted(times)[len(times) // 2] * 1000}")
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, folder.path, "\(size)", "\(repeats)"] + names
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("the Pillow peer failed (\(python))") }
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            if fields.count == 2, let ms = Double(fields[1]) { result[String(fields[0])] = ms }
        }
        return result
    }
}
