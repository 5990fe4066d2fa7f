// swift-tools-version:6.1
// Benchmarks, kept out of the library's build and tests: `swift run -c release tok-bench` here,
// or ../tools/bench.py, which runs this and the peers side by side.
import PackageDescription

let package = Package(
    name: "TokBenchmarks",
    dependencies: [.package(name: "Tok", path: "..")],
    targets: [
        .executableTarget(name: "tok-bench", dependencies: [.product(name: "TokCore", package: "Tok"),
                                                                   .product(name: "TokHierarchical", package: "Tok"),
                                                                   .product(name: "TokDynamic", package: "Tok")]),
    ]
)
