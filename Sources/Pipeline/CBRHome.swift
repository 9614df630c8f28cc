import Foundation

/// Where cbr keeps what it sets up once (`scripts/bootstrap` fills it): `$CBR_HOME`, or `./.cache` when
/// unset or empty, as the Makefile's default. Every command and benchmark resolves its defaults here.
public struct CBRHome: Sendable, Equatable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// The home named by `environment["CBR_HOME"]`, else `./.cache`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let value = environment["CBR_HOME"] ?? ""
        self.init(root: URL(fileURLWithPath: value.isEmpty ? ".cache" : value))
    }

    /// The home of this process.
    public static var current: CBRHome { CBRHome() }

    /// Model files (`cbr model import --out`).
    public var models: URL { root.appendingPathComponent("models") }
    /// The default model: EfficientNet-Lite0.
    public var defaultModel: URL { models.appendingPathComponent("efficientnet-lite0.h5") }
    /// scikit-image's sample photos (the demo's and the tests' photos).
    public var photos: URL { root.appendingPathComponent("photos") }
    /// The virtualenv with numpy, h5py and Pillow (reference checks and benchmark peers).
    public var venv: URL { root.appendingPathComponent("venv") }
    /// The Python of `venv`.
    public var python: URL { venv.appendingPathComponent("bin/python") }
}
