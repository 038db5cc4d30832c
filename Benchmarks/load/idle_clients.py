#!/usr/bin/env python3
"""Hold many keep-alive connections open to a server and watch its memory.

    idle_clients.py --port P --pid SERVER_PID [--connections 1000] [--hold 20]
                    [--ping-interval 2] [--path /]

Each connection sends one request, reads the answer and then stays open for
--hold seconds. With --ping-interval > 0 every connection sends another
request about that often (with jitter), so a server whose idle timeout is
shorter (5 s by default for ours) keeps it; with 0 the connections stay
silent. The server's RSS (summed over its process tree) is read before the
first connection, once all are open, and every half second while holding.
Last line, parseable:
  IDLE connections=N open_at_end=N rss_before_kib=N rss_open_kib=N rss_peak_kib=N rss_end_kib=N
"""

import argparse
import asyncio
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rss_sampler import rss_kib, tree  # noqa: E402

HOST = "127.0.0.1"


def server_rss(pid: int) -> int:
    return sum(rss_kib(p) for p in tree(pid))


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    if not head.startswith(b"HTTP/1.1 2"):
        raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))


class Client:
    def __init__(self, request: bytes):
        self.request = request
        self.reader = None
        self.writer = None
        self.alive = False

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, ARGS.port)
        await exchange(self.reader, self.writer, self.request)
        self.alive = True

    async def keep(self, until: float, interval: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.alive:
                remaining = until - loop.time()
                if remaining <= 0:
                    return
                if interval <= 0:
                    # Silent: only notice when the server closes the connection.
                    try:
                        data = await asyncio.wait_for(self.reader.read(1), remaining)
                    except asyncio.TimeoutError:
                        return
                    if not data:
                        self.alive = False
                    return
                await asyncio.sleep(min(remaining, interval * random.uniform(0.8, 1.2)))
                if loop.time() < until:
                    await exchange(self.reader, self.writer, self.request)
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            self.alive = False


async def main() -> None:
    request = f"GET {ARGS.path} HTTP/1.1\r\nHost: {HOST}:{ARGS.port}\r\n\r\n".encode()
    before = server_rss(ARGS.pid)
    clients = [Client(request) for _ in range(ARGS.connections)]
    failures = []
    # Open in batches so the listen backlog never overflows.
    for start in range(0, len(clients), 100):
        results = await asyncio.gather(*(c.open() for c in clients[start : start + 100]), return_exceptions=True)
        failures += [r for r in results if isinstance(r, BaseException)]
    opened = sum(c.alive for c in clients)
    if failures:
        print(f"idle: {len(failures)} connections failed to open, e.g. {failures[0]!r}", file=sys.stderr)
    await asyncio.sleep(0.5)
    rss_open = server_rss(ARGS.pid)
    peak = max(before, rss_open)

    loop = asyncio.get_running_loop()
    until = loop.time() + ARGS.hold
    holders = asyncio.gather(*(c.keep(until, ARGS.ping_interval) for c in clients if c.alive))
    while loop.time() < until:
        await asyncio.sleep(0.5)
        peak = max(peak, server_rss(ARGS.pid))
    await holders
    end = server_rss(ARGS.pid)
    peak = max(peak, end)
    alive = sum(c.alive for c in clients)
    for c in clients:
        if c.writer:
            c.writer.close()

    mib = lambda kib: f"{kib / 1024:.1f} MiB"  # noqa: E731
    print(f"connections opened: {opened}/{ARGS.connections}, still open after {ARGS.hold:g} s: {alive}")
    print(f"server RSS: before {mib(before)}, all open {mib(rss_open)}, peak {mib(peak)}, end {mib(end)}")
    print(
        f"IDLE connections={opened} open_at_end={alive} rss_before_kib={before} "
        f"rss_open_kib={rss_open} rss_peak_kib={peak} rss_end_kib={end}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server's pid (its tree is measured)")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=20.0, help="seconds to hold them open")
    parser.add_argument("--ping-interval", type=float, default=2.0, help="seconds; 0 = silent")
    parser.add_argument("--path", default="/")
    ARGS = parser.parse_args()
    asyncio.run(main())
