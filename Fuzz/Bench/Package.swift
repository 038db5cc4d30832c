// swift-tools-version: 6.0
import PackageDescription

// The parser's cost per request, measured in release mode:
// `cd Fuzz/Bench && swift run -c release ParserBench`. Kept out of the fuzz
// package because `--sanitize=fuzzer` links libFuzzer's own `main` into
// every executable there.
let package = Package(
    name: "vendo-parser-bench",
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "ParserBench",
            dependencies: [.product(name: "VendoHTTPServer", package: "vendo-swift")]
        )
    ]
)
