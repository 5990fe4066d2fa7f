// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tok",
    products: [
        .library(name: "TokCore", targets: ["TokCore"]),
        .library(name: "TokAnalysis", targets: ["TokAnalysis"]),
        .library(name: "TokHierarchical", targets: ["TokHierarchical"]),
        .library(name: "TokDynamic", targets: ["TokDynamic"]),
        .library(name: "TokConsistency", targets: ["TokConsistency"]),
        .library(name: "TokByteLevel", targets: ["TokByteLevel"]),
        .library(name: "TokTrain", targets: ["TokTrain"]),
        .executable(name: "tok", targets: ["tok"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(
            name: "CICU", path: "Sources/CICU", pkgConfig: "icu-uc",
            providers: [.apt(["libicu-dev"]), .brew(["icu4c"])]),
        // The C core: scanners, rank table, BPE, decode, hashing, zstd and ICU glue, and the
        // built-in vocabularies (embed.S includes ../vocab/*.zst, found through the search path).
        .target(
            name: "CTokKernels",
            dependencies: ["CZstd", "CICU"],
            path: "CKernels",
            cSettings: [.headerSearchPath("../vocab")],
            // ICU's regular expressions (Split patterns without a scanner) live in libicui18n.
            linkerSettings: [.linkedLibrary("icui18n")]),
        .target(name: "TokCore", dependencies: ["CTokKernels"]),
        .target(name: "TokAnalysis", dependencies: ["TokCore", "CTokKernels"]),
        .target(name: "TokHierarchical", dependencies: ["TokCore", "CTokKernels"]),
        .target(name: "TokDynamic", dependencies: ["TokCore"]),
        .target(name: "TokConsistency", dependencies: ["TokCore"]),
        .target(name: "TokByteLevel", dependencies: ["TokCore"]),
        .target(name: "TokTrain", dependencies: ["TokCore", "CTokKernels"]),
        .executableTarget(
            name: "tok",
            dependencies: ["TokCore", "TokAnalysis", "TokHierarchical", "TokDynamic", "TokConsistency", "TokByteLevel", "TokTrain", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(name: "TokTestSupport", dependencies: ["TokCore"]),
        .testTarget(name: "TokCoreTests", dependencies: ["TokCore", "TokTestSupport", "CTokKernels"]),
        .testTarget(name: "TokAnalysisTests", dependencies: ["TokAnalysis", "TokCore", "TokTestSupport"]),
        .testTarget(name: "TokHierarchicalTests", dependencies: ["TokHierarchical", "TokCore", "TokTestSupport", "CTokKernels"]),
        .testTarget(name: "TokDynamicTests", dependencies: ["TokDynamic", "TokCore", "TokTestSupport"]),
        .testTarget(name: "TokConsistencyTests", dependencies: ["TokConsistency", "TokCore", "TokTestSupport"]),
        .testTarget(name: "TokByteLevelTests", dependencies: ["TokByteLevel", "TokCore", "TokTestSupport"]),
        .testTarget(name: "TokTrainTests", dependencies: ["TokTrain", "TokCore", "TokTestSupport"]),
        .testTarget(name: "TokCLITests", dependencies: ["TokTestSupport", "tok"]),
    ],
    cLanguageStandard: .c17
)
