#!/usr/bin/env python3
"""Checks report.py's arithmetic: medians over rounds, per-round ratios to
nginx, the aims table. Run: python3 Benchmarks/load/test_report.py"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def row(server, conns, rps, p99, kib, rnd):
    return {"server": server, "job": "webhook", "conns": str(conns), "rps": str(rps), "p50_us": "1000",
            "p99_us": str(p99), "peak_kib": str(kib), "round": str(rnd)}


class ReportTests(unittest.TestCase):
    def setUp(self):
        # nginx drifts between rounds; ours keeps the same ratio in each.
        self.rows = [
            row("nginx", 64, 100_000, 10_000, 18_000, 1), row("vendo-webhooks", 64, 50_000, 5_000, 19_000, 1),
            row("nginx", 64, 60_000, 20_000, 18_000, 2), row("vendo-webhooks", 64, 30_000, 10_000, 20_000, 2),
            row("nginx", 64, 80_000, 10_000, 18_000, 3), row("vendo-webhooks", 64, 80_000, 20_000, 21_000, 3),
        ]
        self.ceiling = {(r["conns"], r["round"]): r for r in self.rows if r["server"] == "nginx"}

    def test_ratios_are_taken_within_a_round_then_the_median(self):
        ours = [r for r in report.merge_rounds(self.rows, self.ceiling) if r["server"] == "vendo-webhooks"][0]
        self.assertEqual(ours["rounds"], 3)
        self.assertEqual(ours["rps"], 50_000)          # median of 50k, 30k, 80k
        self.assertAlmostEqual(ours["x_rps"], 0.5)      # median of 0.5, 0.5, 1.0
        self.assertAlmostEqual(ours["x_p99"], 0.5)      # median of 0.5, 0.5, 2.0
        self.assertEqual(ours["peak_kib"], 21_000)      # the highest

    def test_aims_table_says_yes_or_no_per_aim(self):
        lines = report.aims_section(self.rows)
        text = "\n".join(lines)
        # Per-round ratios 0.5, 0.5, 1.0: one round met it; peaks 19,000, 20,000, 21,000 KiB: two.
        self.assertIn("| req/s ≥ 0.8× nginx | vendo-webhooks | 64 | 0.50× | no | 1 of 3 |", text)
        self.assertIn("| peak RSS ≤ 20 MiB | vendo-webhooks | 64 | 20.5 MiB | no | 2 of 3 |", text)
        self.assertNotIn("p99", text)  # the p99 aim is for c=256, which this run did not have
        self.assertNotIn("vendo-handler", text)  # it did not run

    def test_aims_table_covers_the_handler_server_after_the_endpoint(self):
        rows = self.rows + [
            row("vendo-handler", 64, 90_000, 5_000, 15_000, 1), row("vendo-handler", 64, 54_000, 10_000, 15_000, 2),
            row("vendo-handler", 64, 72_000, 20_000, 16_000, 3),
        ]
        lines = [line for line in report.aims_section(rows) if line.startswith("| req/s")]
        self.assertEqual(lines, [
            "| req/s ≥ 0.8× nginx | vendo-webhooks | 64 | 0.50× | no | 1 of 3 |",
            "| req/s ≥ 0.8× nginx | vendo-handler | 64 | 0.90× | yes | 3 of 3 |",  # 0.9 in every round
        ])

    def test_aims_table_counts_the_rounds_that_met_the_p99_aim(self):
        rows = [
            row("nginx", 256, 100_000, 10_000, 18_000, 1), row("vendo-handler", 256, 90_000, 12_000, 17_000, 1),
            row("nginx", 256, 100_000, 10_000, 18_000, 2), row("vendo-handler", 256, 90_000, 16_000, 17_000, 2),
            row("nginx", 256, 100_000, 10_000, 18_000, 3), row("vendo-handler", 256, 70_000, 30_000, 17_000, 3),
        ]
        text = "\n".join(report.aims_section(rows))
        # p99 ratios 1.2, 1.6, 3.0: median 1.6 misses, one round met it; req/s ratios 0.9, 0.9, 0.7.
        self.assertIn("| p99 ≤ 1.5× nginx | vendo-handler | 256 | 1.60× | no | 1 of 3 |", text)
        self.assertIn("| req/s ≥ 0.8× nginx | vendo-handler | 256 | 0.90× | yes | 2 of 3 |", text)

    def test_no_aims_table_without_nginx(self):
        self.assertEqual(report.aims_section([r for r in self.rows if r["server"] != "nginx"]), [])

    def test_full_report_from_files(self):
        with tempfile.TemporaryDirectory() as work:
            results = os.path.join(work, "results.tsv")
            meta = os.path.join(work, "meta.txt")
            with open(results, "w") as f:
                for r in self.rows:
                    fields = " ".join(f"{k}={r[k]}" for k in ("rps", "p50_us", "p99_us"))
                    f.write(f"{r['server']}\twebhook\t{r['conns']}\tRESULT {fields} peak_kib={r['peak_kib']} "
                            f"round={r['round']}\n")
            with open(meta, "w") as f:
                f.write("rounds=3\n")
            sys.argv = ["report.py", "--results", results, "--meta", meta]
            from io import StringIO
            out, sys.stdout = sys.stdout, StringIO()
            try:
                report.main()
                text = sys.stdout.getvalue()
            finally:
                sys.stdout = out
        self.assertIn("| vendo-webhooks | 64 | 50,000 | 0.50× |", text)
        self.assertIn("3 rounds", text)


if __name__ == "__main__":
    unittest.main()
