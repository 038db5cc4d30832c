#!/usr/bin/env python3
"""Sample the resident memory of a process and all its descendants.

    rss_sampler.py --pid PID --out FILE [--interval 0.1] [--ready FILE]
    rss_sampler.py --pid PID --once          print the tree's VmRSS sum (KiB) now

Every interval it sums VmRSS over the process tree (nginx's master and
workers, uvicorn's supervisor and workers, or a single server process) and
keeps the largest sum. On SIGTERM/SIGINT, or when the process is gone, it
writes `peak_kib=N samples=N` to FILE and exits. The tree is re-read every
second, so workers started late are included. --ready FILE is created after
the first sample, so a caller can wait for it before starting the load.
"""

import argparse
import os
import signal
import sys
import time


def children_map() -> dict:
    """ppid -> [pid] for every process (scans /proc; no /proc/PID/task/*/children here)."""
    kids: dict = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # Field 4 (ppid) follows the command name, which is in parentheses and may hold spaces.
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(root: int) -> list:
    kids = children_map()
    result, stack = [], [root]
    while stack:
        pid = stack.pop()
        result.append(pid)
        stack.extend(kids.get(pid, []))
    return result


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--out")
    parser.add_argument("--once", action="store_true")
    parser.add_argument("--ready")
    parser.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()
    if args.once:
        print(sum(rss_kib(p) for p in tree(args.pid)))
        return
    if not args.out:
        parser.error("--out is required without --once")

    peak, samples, stop = 0, 0, False

    def finish(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    pids, refreshed = [], 0.0
    while not stop and os.path.exists(f"/proc/{args.pid}"):
        now = time.monotonic()
        if now - refreshed >= 1.0:
            pids, refreshed = tree(args.pid), now
        peak = max(peak, sum(rss_kib(p) for p in pids))
        samples += 1
        if samples == 1 and args.ready:
            open(args.ready, "w").close()
        time.sleep(args.interval)
    with open(args.out, "w") as out:
        out.write(f"peak_kib={peak} samples={samples}\n")


if __name__ == "__main__":
    sys.exit(main())
