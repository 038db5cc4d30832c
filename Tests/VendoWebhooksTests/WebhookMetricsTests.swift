import Testing

@testable import VendoWebhooks

@Suite struct WebhookMetricsTests {
    @Test func countsByOutcome() {
        let metrics = WebhookMetrics()
        metrics.record(.ok)
        metrics.record(.ok)
        metrics.record(.invalid)
        #expect(metrics.count(.ok) == 2)
        #expect(metrics.count(.invalid) == 1)
        #expect(metrics.count(.duplicate) == 0)
    }

    @Test func prometheusTextFormat() {
        let metrics = WebhookMetrics()
        metrics.record(.ok)
        metrics.record(.tooLarge)
        metrics.observeHandler(seconds: 0.0005)  // ≤ 0.001
        metrics.observeHandler(seconds: 0.003)  // ≤ 0.005
        metrics.observeHandler(seconds: 45)  // only +Inf
        let text = metrics.prometheusText()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("# TYPE vendo_webhook_deliveries_total counter"))
        #expect(lines.contains(#"vendo_webhook_deliveries_total{outcome="ok"} 1"#))
        #expect(lines.contains(#"vendo_webhook_deliveries_total{outcome="too_large"} 1"#))
        #expect(lines.contains(#"vendo_webhook_deliveries_total{outcome="handler_failed"} 0"#))
        #expect(lines.contains("# TYPE vendo_webhook_handler_duration_seconds histogram"))
        #expect(lines.contains(#"vendo_webhook_handler_duration_seconds_bucket{le="0.001"} 1"#))
        #expect(lines.contains(#"vendo_webhook_handler_duration_seconds_bucket{le="0.005"} 2"#))
        #expect(lines.contains(#"vendo_webhook_handler_duration_seconds_bucket{le="30"} 2"#))
        #expect(lines.contains(#"vendo_webhook_handler_duration_seconds_bucket{le="+Inf"} 3"#))
        #expect(lines.contains("vendo_webhook_handler_duration_seconds_count 3"))
        #expect(lines.contains { $0.hasPrefix("vendo_webhook_handler_duration_seconds_sum 45.003") })
        #expect(text.hasSuffix("\n"))
        // Every outcome appears exactly once.
        for outcome in WebhookOutcome.allCases {
            #expect(lines.filter { $0.hasPrefix("vendo_webhook_deliveries_total{outcome=\"\(outcome.rawValue)\"}") }.count == 1)
        }
        // Buckets are cumulative and non-decreasing, in the declared order.
        let counts = lines.filter { $0.hasPrefix("vendo_webhook_handler_duration_seconds_bucket") }
            .compactMap { Int($0.split(separator: " ").last!) }
        #expect(counts == counts.sorted())
        #expect(counts.count == WebhookMetrics.latencyBuckets.count + 1)
    }

    @Test func concurrentRecordingLosesNothing() async {
        let metrics = WebhookMetrics()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<1000 {
                        metrics.record(.ok)
                        metrics.observeHandler(seconds: 0.01)
                    }
                }
            }
        }
        #expect(metrics.count(.ok) == 8000)
        #expect(metrics.handlerRuns == 8000)
    }

    @Test func numberFormatting() {
        #expect(WebhookMetrics.format(1) == "1")
        #expect(WebhookMetrics.format(0.025) == "0.025")
        #expect(WebhookMetrics.format(30) == "30")
    }
}
