#!/usr/bin/env python3
"""Write N distinct signed webhook deliveries for wrk to replay (see wrk.lua).

Each output line is `<timestamp>\\t<signature>\\t<body>`: the body is a Vendo
envelope padded to exactly --size bytes, the signature is the lowercase hex
HMAC-SHA256 of "<timestamp>.<body>" with the secret (protocol §7). The
timestamp is now, so generate right before each run: receivers reject
deliveries older than 300 s.
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import time


def delivery(index: int, run: str, size: int, occurred_at: str) -> bytes:
    event = {
        "id": f"evt_{run}_{index:07d}",
        "type": "connection.connected",
        "occurred_at": occurred_at,
        "data": {"connection_id": f"conn_{index % 97:03d}", "slug": "github", "padding": ""},
    }
    bare = json.dumps(event, separators=(",", ":")).encode()
    if len(bare) > size:
        sys.exit(f"gen_deliveries: --size {size} is smaller than an unpadded event ({len(bare)} bytes)")
    event["data"]["padding"] = "x" * (size - len(bare))
    body = json.dumps(event, separators=(",", ":")).encode()
    assert len(body) == size
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50000, help="distinct deliveries (default 50000, as run.sh)")
    parser.add_argument("--size", type=int, default=1024, help="body bytes (default 1024)")
    parser.add_argument("--secret", required=True, help="the webhook secret (benchmark only)")
    parser.add_argument("--out", required=True, help="output file")
    args = parser.parse_args()
    if args.count < 1:
        sys.exit("gen_deliveries: --count must be at least 1")

    now = int(time.time())
    timestamp = str(now).encode()
    occurred_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    run = os.urandom(4).hex()  # distinct ids across runs, even within one second
    key = args.secret.encode()
    with open(args.out, "wb") as out:
        for index in range(args.count):
            body = delivery(index, run, args.size, occurred_at)
            signature = hmac.new(key, timestamp + b"." + body, hashlib.sha256).hexdigest()
            out.write(timestamp + b"\t" + signature.encode() + b"\t" + body + b"\n")


if __name__ == "__main__":
    main()
