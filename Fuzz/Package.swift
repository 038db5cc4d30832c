// swift-tools-version: 6.0
import PackageDescription

// The parser's libFuzzer target lives in its own package: an executable
// without a main (libFuzzer provides it) would break `swift build` of the
// root package. See README.md for the command.
let package = Package(
    name: "vendo-fuzz",
    dependencies: [
        .package(path: "..")
    ],
    targets: [
        .executableTarget(
            name: "ParserFuzzer",
            dependencies: [.product(name: "VendoHTTPServer", package: "vendo-swift")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
