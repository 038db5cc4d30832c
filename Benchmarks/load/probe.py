#!/usr/bin/env python3
"""Small helpers for run.sh, all on 127.0.0.1.

    probe.py free-port                       print a free TCP port
    probe.py wait --port P [--path /] [--timeout 60]
                                             wait until an HTTP request gets any answer
    probe.py check --port P --job get|post|webhook [--path P] [--secret S] [--no-verify]
                                             one request of the job must get a 2xx; for the
                                             webhook job a tampered delivery must get a 4xx
                                             (unless --no-verify: nginx checks nothing)
"""

import argparse
import hashlib
import hmac
import http.client
import json
import socket
import sys
import time

HOST = "127.0.0.1"


def request(port: int, method: str, path: str, body: bytes = b"", headers=None, timeout=10.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def free_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        print(s.getsockname()[1])


def wait(port: int, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            request(port, "GET", path, timeout=2.0)
            return
        except OSError as error:
            last = error
            time.sleep(0.1)
    sys.exit(f"probe: nothing answered on {HOST}:{port}{path} within {timeout:.0f} s ({last})")


def signed(secret: str, body: bytes, timestamp: str) -> dict:
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "Vendo-Timestamp": timestamp, "Vendo-Signature": signature}


def check(port: int, job: str, path: str, secret: str, verify: bool) -> None:
    if job == "get":
        status, _ = request(port, "GET", "/")
        expect(200 <= status < 300, f"GET / answered {status}")
    elif job == "post":
        status, _ = request(port, "POST", "/", b"a" * 1024, {"Content-Type": "application/octet-stream"})
        expect(200 <= status < 300, f"POST / answered {status}")
    else:
        body = json.dumps({"id": "evt_probe", "type": "probe.checked", "occurred_at": "", "data": {}}).encode()
        headers = signed(secret, body, str(int(time.time())))
        status, reply = request(port, "POST", path, body, headers)
        expect(200 <= status < 300, f"a valid delivery to {path} answered {status}: {reply[:200]!r}")
        if verify:
            bad = dict(headers)
            bad["Vendo-Signature"] = ("0" if headers["Vendo-Signature"][0] != "0" else "1") + headers["Vendo-Signature"][1:]
            status, _ = request(port, "POST", path, body, bad)
            expect(400 <= status < 500, f"a delivery with a wrong signature answered {status}, not 4xx: not verifying?")


def expect(condition: bool, message: str) -> None:
    if not condition:
        sys.exit(f"probe: {message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("free-port")
    w = sub.add_parser("wait")
    w.add_argument("--port", type=int, required=True)
    w.add_argument("--path", default="/")
    w.add_argument("--timeout", type=float, default=60)
    c = sub.add_parser("check")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--job", choices=["get", "post", "webhook"], required=True)
    c.add_argument("--path", default="/webhooks/vendo")
    c.add_argument("--secret", default="")
    c.add_argument("--no-verify", action="store_true")
    args = parser.parse_args()
    if args.command == "free-port":
        free_port()
    elif args.command == "wait":
        wait(args.port, args.path, args.timeout)
    else:
        check(args.port, args.job, args.path, args.secret, not args.no_verify)


if __name__ == "__main__":
    main()
