// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets over cbr's input readers. Built by `make fuzz` with `-Xswiftc -sanitize=fuzzer,address`
// on the command line, so the engine modules are instrumented too; each target's `main` starts libFuzzer's driver.
func target(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies + ["FuzzSupport"])
}

let package = Package(
    name: "cbr-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "cbr", path: "..")],
    targets: [
        .target(name: "CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer"]),
        target("FuzzImage", [.product(name: "Embedder", package: "cbr")]),
        target("FuzzCheckpoint", [.product(name: "ModelImport", package: "cbr")]),
        target("FuzzManifest", [.product(name: "ShardedIndex", package: "cbr")]),
        target("FuzzShard", [.product(name: "ShardedIndex", package: "cbr")]),
        target("FuzzEmbeddings", [.product(name: "Pipeline", package: "cbr")]),
    ],
    swiftLanguageModes: [.v6]
)
