#!/usr/bin/env python3
"""Send signed deliveries one after another over one keep-alive connection.

Reads the lines gen_deliveries.py writes (`<timestamp>\\t<signature>\\t<body>`),
POSTs the first --count of them to 127.0.0.1:--port --path, waits for each
response, and prints how many were answered 200. For instructions.sh: a fixed
amount of work, no load generator competing for the CPU.
"""

import argparse
import socket
import sys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--deliveries", required=True, help="file from gen_deliveries.py")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--path", default="/webhooks/vendo")
    args = parser.parse_args()

    lines = open(args.deliveries, encoding="utf-8").read().splitlines()
    if len(lines) < args.count:
        sys.exit(f"send_deliveries: {args.deliveries} has {len(lines)} deliveries, fewer than --count {args.count}")
    connection = socket.create_connection(("127.0.0.1", args.port))
    ok = 0
    for line in lines[: args.count]:
        timestamp, signature, body = line.split("\t", 2)
        payload = body.encode()
        head = (
            f"POST {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Vendo-Timestamp: {timestamp}\r\nVendo-Signature: {signature}\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        )
        connection.sendall(head.encode() + payload)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(4096)
            if not chunk:
                sys.exit("send_deliveries: the server closed the connection")
            received += chunk
        response_head, _, rest = received.partition(b"\r\n\r\n")
        length = 0
        for field in response_head.split(b"\r\n")[1:]:
            name, _, value = field.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += connection.recv(4096)
        if response_head.startswith(b"HTTP/1.1 200"):
            ok += 1
    print(ok)


if __name__ == "__main__":
    main()
