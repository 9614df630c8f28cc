// swift-tools-version:6.1
import Foundation
import PackageDescription

// MARK: - Build settings

/// Release builds target the machines cbr runs on (AVX2 + FMA: the SIMD8 search and forward-pass kernels
/// are written for them); debug builds stay portable. SwiftPM refuses a package with unsafe flags when
/// another package depends on it by version, so the flag is opt-out: a consumer (or a build for an older
/// CPU) sets `CBR_PORTABLE=1` while resolving, which builds every target with the compiler's default CPU.
let portable = Context.environment["CBR_PORTABLE"].map { !$0.isEmpty && $0 != "0" } ?? false
let optimized: [SwiftSetting] = portable ? [] : [
    .unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release)),
]

// MARK: - Optional parts

/// Whether pkg-config can see `name.pc` (looked up where pkg-config looks on Debian, plus PKG_CONFIG_PATH).
func hasPkgConfig(_ name: String) -> Bool {
    let extra = (Context.environment["PKG_CONFIG_PATH"] ?? "").split(separator: ":").map(String.init)
    let standard = ["/usr/local/lib/x86_64-linux-gnu/pkgconfig", "/usr/local/lib/aarch64-linux-gnu/pkgconfig",
                    "/usr/local/lib/pkgconfig", "/usr/local/share/pkgconfig", "/usr/lib/x86_64-linux-gnu/pkgconfig",
                    "/usr/lib/aarch64-linux-gnu/pkgconfig", "/usr/lib/pkgconfig", "/usr/share/pkgconfig",
                    "/opt/homebrew/lib/pkgconfig"]
    return (extra + standard).contains { FileManager.default.fileExists(atPath: "\($0)/\(name).pc") }
}

/// `cbr-mpi` is built where Open MPI's development files are installed (`libopenmpi-dev`; scripts/bootstrap
/// installs them), unless `CBR_NO_MPI=1`. The plain `cbr` never links MPI.
let withMPI = hasPkgConfig("ompi-c") && (Context.environment["CBR_NO_MPI"].map { $0.isEmpty || $0 == "0" } ?? true)

/// Debian's serial HDF5 by its own name: installing the parallel HDF5 package would otherwise switch `hdf5`
/// to the MPI build underneath cbr.
let hdf5PkgConfig = hasPkgConfig("hdf5-serial") ? "hdf5-serial" : "hdf5"

// MARK: - System libraries (Debian packages)

let systemLibraries: [Target] = [
    .systemLibrary(
        name: "CBLAS",
        pkgConfig: "openblas",
        providers: [.apt(["libopenblas-dev"])]
    ),
    .systemLibrary(
        name: "CHDF5",
        pkgConfig: hdf5PkgConfig,
        providers: [.apt(["libhdf5-dev"])]
    ),
    .systemLibrary(
        name: "CImageCodecs",
        pkgConfig: "libpng",
        providers: [.apt(["libturbojpeg0-dev", "libpng-dev"])]
    ),
    .systemLibrary(name: "CLAPACKE", pkgConfig: "lapacke", providers: [.apt(["liblapacke-dev"])]),
    .systemLibrary(name: "CZlibCRC", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
] + (withMPI ? [.systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])])] : [])

// MARK: - Engine modules

let engine: [Target] = [
    .target(name: "LinearAlgebra", dependencies: ["CBLAS", "CLAPACKE"], swiftSettings: optimized),
    .target(name: "HDF5", dependencies: ["CHDF5"], swiftSettings: optimized),
    .target(name: "Imaging", dependencies: ["CImageCodecs"], swiftSettings: optimized),
    // The runtime: model file reader, forward pass, batched embedding. No zip, no libcrypto.
    .target(name: "Embedder", dependencies: ["LinearAlgebra", "HDF5", "Imaging"], swiftSettings: optimized),
    // The offline import: pickle/.pth reader, wheels, SHA-256, BatchNorm folding, the model file writer.
    .target(name: "ModelImport", dependencies: [
        "Embedder", "HDF5",
        "CCrypto",
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
    ], swiftSettings: optimized),
    .target(name: "ShardedIndex", dependencies: ["LinearAlgebra", "HDF5", "CZlibCRC"], swiftSettings: optimized),
    .target(name: "Aggregate", swiftSettings: optimized),
    // ONNX's protobuf schema, generated once (Sources/ONNX/Generated/README.md), and the classifier export.
    .target(name: "ONNX", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
    .target(name: "ONNXExport", dependencies: [
        "ONNX", "Embedder", "ShardedIndex", "Aggregate",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
    ], swiftSettings: optimized),
    .target(
        name: "Pipeline",
        dependencies: ["Embedder", "ModelImport", "ShardedIndex", "Aggregate", "Imaging", "HDF5", "LinearAlgebra"],
        swiftSettings: optimized
    ),
    // The command line both executables parse: option groups and the commands cbr and cbr-mpi share.
    .target(name: "CLI", dependencies: [
        "Pipeline", "ShardedIndex", "Aggregate", "Embedder",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ], swiftSettings: optimized),
] + (withMPI ? [
    // Pipeline's `Cluster` over Open MPI (MPI_COMM_WORLD).
    .target(name: "MPI", dependencies: ["CMPI", "Pipeline"], swiftSettings: optimized),
] : [])

// MARK: - Server

/// `cbr serve`: classification over HTTP (Hummingbird), queries of concurrent requests batched.
let server: [Target] = [
    .target(name: "Server", dependencies: [
        "Pipeline", "ShardedIndex", "Aggregate", "Embedder", "Imaging",
        .product(name: "Hummingbird", package: "hummingbird"),
    ], swiftSettings: optimized),
]

// MARK: - Executables

let executables: [Target] = [
    .executableTarget(
        name: "cbr",
        dependencies: [
            "CLI", "Pipeline", "ShardedIndex", "Aggregate", "ONNXExport", "Server",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: optimized
    ),
    .executableTarget(
        name: "bench",
        dependencies: [
            "Pipeline", "Embedder", "ModelImport", "ShardedIndex", "Aggregate", "LinearAlgebra", "Imaging",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: optimized
    ),
] + (withMPI ? [
    .executableTarget(
        name: "cbr-mpi",
        dependencies: ["CLI", "MPI", "Pipeline", .product(name: "ArgumentParser", package: "swift-argument-parser")],
        swiftSettings: optimized
    ),
] : [])

// MARK: - Tests

let tests: [Target] = [
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "Imaging", "TestSupport"]),
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
    // Linux (Debian's libraries) is where cbr is built and tested. The macOS line only states the floor
    // for Apple silicon: Swift's Float16, used by float16 shards, does not exist on Intel Macs.
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cbr", targets: ["cbr"]),
        .executable(name: "bench", targets: ["bench"]),
    ] + (withMPI ? [.executable(name: "cbr-mpi", targets: ["cbr-mpi"])] : []) + [
        .library(name: "Embedder", targets: ["Embedder"]),
        .library(name: "ModelImport", targets: ["ModelImport"]),
        .library(name: "ShardedIndex", targets: ["ShardedIndex"]),
        .library(name: "Aggregate", targets: ["Aggregate"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: systemLibraries + engine + server + executables + tests,
    swiftLanguageModes: [.v6]
)
