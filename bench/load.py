"""A small closed-loop HTTP load generator for the benchmark (run by bench/run.py).

Usage: python bench/load.py --port PORT --path /leads/?per_page=20 [--header "Name: value"]...
       [--threads 8] [--duration 15] [--max-requests 5000]
The Cookie header, if any, comes from $BENCH_COOKIE (a session cookie does not belong on a
command line). Only loopback is accepted as a target, and every run is bounded both in time
(--duration) and in count (--max-requests). Prints one JSON object on standard output.

Each thread keeps one keep-alive connection, like a browser tab, and sends the next request as
soon as the previous answer is read. A request that fails on a reused connection (the server
closed it, e.g. a gunicorn worker restarting after --max-requests) is retried once on a fresh
connection, as browsers do; those retries are counted, not hidden.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from typing import Any

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an unsorted list (0 for an empty one)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


class Counter:
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._taken = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._taken >= self._limit:
                return False
            self._taken += 1
            return True


def worker(
    args: argparse.Namespace,
    headers: dict[str, str],
    budget: Counter,
    start: threading.Event,
    deadline_box: list[float],
    out: dict[str, Any],
) -> None:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = retries = body_bytes = 0
    conn: http.client.HTTPConnection | None = None
    start.wait()
    deadline = deadline_box[0]
    while time.monotonic() < deadline and budget.take():
        began = time.perf_counter()
        for attempt in (0, 1):
            reused = conn is not None
            if conn is None:
                conn = http.client.HTTPConnection(args.host, args.port, timeout=args.timeout)
            try:
                conn.request("GET", args.path, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                if reused and attempt == 0:
                    retries += 1
                    continue
                errors += 1
                break
            statuses[response.status] = statuses.get(response.status, 0) + 1
            body_bytes += len(body)
            latencies.append((time.perf_counter() - began) * 1000)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
            break
    if conn is not None:
        conn.close()
    out.update(latencies=latencies, statuses=statuses, errors=errors, retries=retries)
    out["bytes"] = body_bytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--header", action="append", default=[], help='"Name: value"')
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds, at most 120")
    parser.add_argument("--max-requests", type=int, default=5000, help="at most 100,000")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.host not in LOOPBACK_HOSTS and not args.host.startswith("127."):
        parser.error("only loopback targets are allowed")
    args.duration = min(max(args.duration, 0.1), 120.0)
    args.max_requests = min(max(args.max_requests, 1), 100_000)
    args.threads = min(max(args.threads, 1), 64)

    headers: dict[str, str] = {"Host": f"{args.host}:{args.port}"}
    for raw in args.header:
        name, sep, value = raw.partition(":")
        if not sep:
            parser.error(f"--header {raw!r}: expected 'Name: value'")
        headers[name.strip()] = value.strip()
    cookie = os.environ.get("BENCH_COOKIE")
    if cookie:
        headers["Cookie"] = cookie

    budget = Counter(args.max_requests)
    start = threading.Event()
    deadline_box = [0.0]
    results: list[dict[str, Any]] = [{} for _ in range(args.threads)]
    threads = [
        threading.Thread(
            target=worker,
            args=(args, headers, budget, start, deadline_box, results[i]),
            daemon=True,
        )
        for i in range(args.threads)
    ]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline_box[0] = time.monotonic() + args.duration
    start.set()
    for thread in threads:
        thread.join(timeout=args.duration + args.timeout + 5)
    elapsed = time.perf_counter() - began

    latencies = [value for result in results for value in result.get("latencies", [])]
    statuses: dict[str, int] = {}
    for result in results:
        for status, count in result.get("statuses", {}).items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    ok = statuses.get("200", 0)
    report = {
        "path": args.path,
        "threads": args.threads,
        "elapsed_s": round(elapsed, 3),
        "requests": len(latencies),
        "ok": ok,
        "statuses": statuses,
        "errors": sum(result.get("errors", 0) for result in results),
        "retries": sum(result.get("retries", 0) for result in results),
        "bytes": sum(result.get("bytes", 0) for result in results),
        "rps": round(ok / elapsed, 1) if elapsed else 0.0,
        "median_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
    }
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
