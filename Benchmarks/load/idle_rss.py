#!/usr/bin/env python3
"""Measure a server's resident memory with N idle keep-alive connections.

Usage: idle_rss.py BINARY [--connections 1000]

Starts BINARY with `--host 127.0.0.1 --port 0`, reads the bound port from its
first line (`listening on http://127.0.0.1:PORT`), opens N connections that
each complete one keep-alive GET /, then reports the server's VmRSS before and
with the connections held open (inside the default 5 s idle timeout), and
after they close.
"""
import argparse
import resource
import socket
import subprocess
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--connections", type=int, default=1000)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.connections + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

    server = subprocess.Popen([a.binary, "--host", "127.0.0.1", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline().strip()
        port = int(line.rsplit(":", 1)[1])
        time.sleep(0.3)
        before = rss_kib(server.pid)
        socks = []
        start = time.time()
        for _ in range(a.connections):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            socks.append(s)
        for s in socks:
            data = b""
            while b"\r\n\r\n" not in data:
                data += s.recv(4096)
        held = time.time() - start
        time.sleep(0.2)
        during = rss_kib(server.pid)
        for s in socks:
            s.close()
        time.sleep(0.5)
        after = rss_kib(server.pid)
        print(f"connections={a.connections} rss_before_kib={before} rss_with_idle_kib={during} "
              f"rss_after_close_kib={after} setup_seconds={held:.2f}")
        if held > 4.5:
            print("warning: setup took longer than the 5 s idle timeout; numbers may be low", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
