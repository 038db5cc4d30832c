// swift-tools-version: 6.0
import PackageDescription

// Layers import only downwards:
//   vendo-webhooks (CLI) → VendoWebhooks → VendoHTTPServer → CSystemShims
//                                        → Vendo → COpenSSL
//   VendoTesting → Vendo (+ VendoHTTPServer for the fake platform)
let package = Package(
    name: "vendo-swift",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Vendo", targets: ["Vendo"]),
        .library(name: "VendoTesting", targets: ["VendoTesting"]),
        .library(name: "VendoHTTPServer", targets: ["VendoHTTPServer"]),
        .library(name: "VendoWebhooks", targets: ["VendoWebhooks"]),
        .executable(name: "vendo-webhooks", targets: ["vendo-webhooks"]),
        .executable(name: "http-echo", targets: ["http-echo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C shims: accept4 and friends need _GNU_SOURCE, which breaks Glibc on the Swift side.
        .target(name: "CSystemShims"),
        // The system's libcrypto (OpenSSL 3) for HMAC-SHA256 and CRYPTO_memcmp.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .target(
            name: "VendoHTTPServer",
            dependencies: [
                "CSystemShims",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Vendo",
            dependencies: ["COpenSSL"],
            resources: [.process("Catalog/byok.json")]
        ),
        .target(
            name: "VendoTesting",
            dependencies: ["Vendo", "VendoHTTPServer"]
        ),
        .target(
            name: "VendoWebhooks",
            dependencies: [
                "Vendo",
                "VendoHTTPServer",
                "CSystemShims",  // posix_spawn with file actions glibc hides behind _GNU_SOURCE
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "vendo-webhooks",
            dependencies: [
                "VendoWebhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "http-echo",
            dependencies: [
                "VendoHTTPServer",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Micro-benchmarks: `swift run -c release vendo-bench`.
        .executableTarget(
            name: "vendo-bench",
            dependencies: ["Vendo", "VendoHTTPServer"],
            path: "Benchmarks/Micro",
            exclude: ["README.md"]
        ),
        .testTarget(
            name: "VendoHTTPServerTests",
            dependencies: ["VendoHTTPServer", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "VendoTests",
            dependencies: ["Vendo", "VendoTesting", "VendoHTTPServer"]
        ),
        .testTarget(
            name: "VendoWebhooksTests",
            dependencies: [
                "VendoWebhooks", "VendoTesting",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
