// swift-tools-version: 6.0
import PackageDescription

// Layers import only downwards:
//   vendo-webhooks (CLI) → VendoWebhooks → VendoHTTPServer → CSystemShims
//                                        → VendoCore → COpenSSL
//   Vendo (SDK client) → VendoCore (re-exported)
//   VendoTesting → Vendo (+ VendoHTTPServer for the fake platform)
//
// VendoCore, VendoHTTPServer, VendoWebhooks and vendo-webhooks import
// FoundationEssentials at most, never Foundation or FoundationNetworking:
// those two (with ICU, libcurl and ~30 libraries) would double the endpoint's
// memory. A test reads the running binary's /proc/<pid>/maps to hold this.
let package = Package(
    name: "vendo-swift",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Vendo", targets: ["Vendo"]),
        .library(name: "VendoCore", targets: ["VendoCore"]),
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
        // What needs no outbound HTTP: models, JSON, errors, webhook verification, SSO.
        .target(
            name: "VendoCore",
            dependencies: ["COpenSSL"]
        ),
        .target(
            name: "Vendo",
            dependencies: ["VendoCore"],
            resources: [.process("Catalog/byok.json")]
        ),
        .target(
            name: "VendoTesting",
            dependencies: ["Vendo", "VendoHTTPServer"]
        ),
        .target(
            name: "VendoWebhooks",
            dependencies: [
                "VendoCore",
                "VendoHTTPServer",
                "CSystemShims",  // posix_spawn with file actions glibc hides behind _GNU_SOURCE
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "vendo-webhooks",
            dependencies: [
                "VendoWebhooks",
                "VendoCore",
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
        // The load benchmark's endpoint with an in-process Swift handler (Benchmarks/load).
        .executableTarget(
            name: "webhook-handler-server",
            dependencies: [
                "VendoWebhooks", "VendoHTTPServer",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/load/handler-server"
        ),
        .testTarget(
            name: "VendoHTTPServerTests",
            dependencies: ["VendoHTTPServer", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "VendoTests",
            dependencies: ["Vendo", "VendoCore", "VendoTesting", "VendoHTTPServer"]
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
