// swift-tools-version:6.1
import PackageDescription

// MARK: - Build settings

/// Release builds target the machines cbr runs on (AVX2 + FMA); debug builds stay portable.
let optimized: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release)),
]

// MARK: - System libraries (Debian packages)

let systemLibraries: [Target] = [
    .systemLibrary(
        name: "CBLAS",
        pkgConfig: "openblas",
        providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),
    .systemLibrary(
        name: "CHDF5",
        pkgConfig: "hdf5",
        providers: [.apt(["libhdf5-dev"])]
    ),
    .systemLibrary(
        name: "CImageCodecs",
        pkgConfig: "libpng",
        providers: [.apt(["libturbojpeg0-dev", "libpng-dev"])]
    ),
    .systemLibrary(name: "SystemZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "SystemCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
]

// MARK: - Engine modules

let engine: [Target] = [
    .target(name: "HDF5", dependencies: ["CHDF5"], swiftSettings: optimized),
    .target(name: "Imaging", dependencies: ["CImageCodecs"], swiftSettings: optimized),
    // The runtime: model file reader, forward pass, batched embedding. No zip, no libcrypto.
    .target(name: "Embedder", dependencies: ["CBLAS", "HDF5", "Imaging"], swiftSettings: optimized),
    // The offline import: pickle/.pth reader, wheels, SHA-256, BatchNorm folding, the model file writer.
    .target(name: "ModelImport", dependencies: [
        "Embedder", "HDF5",
        "SystemCrypto",
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
    ], swiftSettings: optimized),
    .target(name: "ShardedIndex", dependencies: ["CBLAS", "HDF5", "SystemZlib"], swiftSettings: optimized),
    .target(name: "Aggregate", swiftSettings: optimized),
    .target(
        name: "Pipeline",
        dependencies: ["Embedder", "ShardedIndex", "Aggregate", "Imaging", "HDF5"],
        swiftSettings: optimized
    ),
]

// MARK: - Executables

let executables: [Target] = [
    .executableTarget(
        name: "cbr",
        dependencies: [
            "Pipeline", "Embedder", "ModelImport", "ShardedIndex", "Aggregate", "HDF5", "Imaging",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: optimized
    ),
    .executableTarget(
        name: "bench",
        dependencies: [
            "Pipeline", "Embedder", "ModelImport", "ShardedIndex", "Aggregate", "CBLAS", "Imaging",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: optimized
    ),
]

// MARK: - Tests

let tests: [Target] = [
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
    .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
    .testTarget(name: "EmbedderTests", dependencies: ["Embedder", "ModelImport", "Imaging", "TestSupport"]),
    .testTarget(name: "ShardedIndexTests", dependencies: ["ShardedIndex", "TestSupport"]),
    .testTarget(name: "AggregateTests", dependencies: ["Aggregate", "TestSupport"]),
    .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "ShardedIndex", "Aggregate", "TestSupport"]),
]

// MARK: - Package

let package = Package(
    name: "cbr",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cbr", targets: ["cbr"]),
        .executable(name: "bench", targets: ["bench"]),
        .library(name: "Embedder", targets: ["Embedder"]),
        .library(name: "ModelImport", targets: ["ModelImport"]),
        .library(name: "ShardedIndex", targets: ["ShardedIndex"]),
        .library(name: "Aggregate", targets: ["Aggregate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: systemLibraries + engine + executables + tests,
    swiftLanguageModes: [.v6]
)
