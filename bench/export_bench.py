"""Benchmark of the lead export (issue 4): wall time, time to first byte, peak memory.

    uv run python bench/export_bench.py                # 10,000 and 50,000 leads, 0 and 50 ms
    uv run python bench/export_bench.py --sizes 10000  # a shorter run

Run by hand, not a test. Everything runs on loopback, in processes this script starts and stops:
- the sandbox (the fake GSL API) under its own gunicorn (one worker, threads), with
  LEADS_SANDBOX_LEADS_PER_CLIENT large enough for 50,000 leads in one 91-day window and the
  contract's rate limit (50 requests per second and client) left on;
- the app under gunicorn, ONE worker process (4 threads), whose memory is measured: its
  VmHWM (peak resident set) is reset before each export through /proc/PID/clear_refs and read
  after it, so each line gives the peak of that export alone; a throwaway SQLite database, an
  agency pointed at the sandbox, one manager account.

For each size, format and added latency (set with POST /sandbox/_control) the script finds the
shortest window ending today that holds at least that many leads (All leads tab), downloads the
export as a browser would, checks the file (rows == the API's Count, no "EXPORT INCOMPLET"),
and reports wall time, time to first byte, peak RSS of the app worker, upstream requests and
429s counted by the sandbox. Results: printed as a Markdown table and saved in
bench/results/export.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "export.json"
HOST = "127.0.0.1"
PARIS = ZoneInfo("Europe/Paris")

CLIENT_ID = "agence-paris-demo"
CLIENT_SECRET = "paris-demo-secret"  # the sandbox's public demo credentials
AGENCY = "Agence Benchmark"
USERNAME = "bench.manager"
PASSWORD = "Bench-Horse-Staple-42"  # a throwaway account in a throwaway database
LEADS_PER_CLIENT = 67_000  # about 50,800 leads in 91 days (the data spans 120 days)
MAX_DAYS = 91  # 92 days across a DST change is one hour too long for the API
CONCURRENCY = 3  # leadsportal.exports.fetching.DEFAULT_CONCURRENCY
RATE = 50 * 0.95  # requests per second the export allows itself (fetching.RATE_SHARE)
FORMATS = {"csv-excel": "CSV (Excel FR)", "xlsx": "Excel (.xlsx)"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        total_kb = int(handle.readline().split()[1])
    return {
        "cpu": model,
        "nproc": os.cpu_count(),
        "memory_gib": round(total_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average_at_start": os.getloadavg(),
    }


def status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid: int) -> None:
    # "5" resets the peak resident set size (VmHWM) to the current RSS (Linux >= 4.0).
    with open(f"/proc/{pid}/clear_refs", "w") as handle:
        handle.write("5")


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(child) for child in handle.read().split()]


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            requests.get(url, timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


@contextmanager
def gunicorn(port: int, env: dict[str, str], log: Path, *, threads: int) -> Iterator[int]:
    """A gunicorn with one worker; yields the worker's pid."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "leadsportal.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        "1",
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "--error-logfile",
        "-",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            wait_until_up(f"http://{HOST}:{port}/healthz", process)
            deadline = time.monotonic() + 10
            while not children(process.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            (worker,) = children(process.pid)
            yield worker
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def login(app_url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{app_url}/connexion/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    response = session.post(
        f"{app_url}/connexion/",
        data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{app_url}/connexion/"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, f"login failed ({response.status_code})"
    return session


class Sandbox:
    def __init__(self, url: str) -> None:
        self.url = url  # ".../sandbox"
        self.session = requests.Session()
        token = self.session.post(
            f"{url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(CLIENT_ID, CLIENT_SECRET),
            timeout=10,
        ).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def control(self, **knobs: Any) -> None:
        self.session.post(f"{self.url}/_control", json=knobs, timeout=10).raise_for_status()

    def stats(self) -> dict[str, Any]:
        return dict(self.session.get(f"{self.url}/_control/stats", timeout=10).json())

    def count(self, start: date, end: date) -> int:
        """The All-leads Count for the window the export form makes of [start, end]."""

        def utc(day: date) -> str:
            local = datetime.combine(day, datetime.min.time(), tzinfo=PARIS)
            return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        body = {
            "SearchCriteria": {"StartDate": utc(start), "EndDate": utc(end + timedelta(days=1))},
            "Pagination": {"PageIndex": 1, "PageSize": 1},
        }
        response = self.session.post(f"{self.url}/v2/leads/search", json=body, timeout=30)
        response.raise_for_status()
        return int(response.json()["Count"])


def window_for(sandbox: Sandbox, target: int) -> tuple[date, date, int]:
    """The shortest window ending today (Paris) with at least `target` leads."""
    end = datetime.now(PARIS).date()
    low, high = 1, MAX_DAYS
    if sandbox.count(end - timedelta(days=high - 1), end) < target:
        raise SystemExit(f"fewer than {target} leads in {MAX_DAYS} days: raise LEADS_PER_CLIENT")
    while low < high:
        middle = (low + high) // 2
        if sandbox.count(end - timedelta(days=middle - 1), end) >= target:
            high = middle
        else:
            low = middle + 1
    start = end - timedelta(days=low - 1)
    return start, end, sandbox.count(start, end)


def check_file(data: bytes, export_format: str) -> int:
    """Data rows of the file; fails on an incomplete export."""
    if export_format == "xlsx":
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        assert workbook.sheetnames == ["Leads"], workbook.sheetnames
        rows = sum(1 for _row in workbook["Leads"].iter_rows(values_only=True)) - 1
        workbook.close()
        return rows
    text = data.decode("utf-8-sig")
    assert "EXPORT INCOMPLET" not in text
    return sum(1 for _row in csv.reader(io.StringIO(text, newline=""), delimiter=";")) - 1


def last_export_line(log: Path) -> dict[str, Any]:
    """The app's own "export finished" log line (JSON) of the export just made."""
    lines = [line for line in log.read_text().splitlines() if '"export finished"' in line]
    return dict(json.loads(lines[-1])) if lines else {}


def export_once(
    session: requests.Session,
    app_url: str,
    worker: int,
    api_worker: int,
    sandbox: Sandbox,
    *,
    start: date,
    end: date,
    export_format: str,
    expected: int,
    app_log: Path,
) -> dict[str, Any]:
    sandbox.control(reset_counters=True)
    reset_peak(worker)
    rss_before = status_kb(worker, "VmRSS")
    cpu_app, cpu_api = cpu_seconds(worker), cpu_seconds(api_worker)
    load_before = os.getloadavg()[0]
    url = f"{app_url}/exports/leads/?start={start}&end={end}&format={export_format}"
    buffer = io.BytesIO()
    started = time.perf_counter()
    first_byte = None
    with session.get(url, stream=True, timeout=300) as response:
        assert response.status_code == 200, response.status_code
        for chunk in response.iter_content(chunk_size=None):
            if first_byte is None and chunk:
                first_byte = time.perf_counter() - started
            buffer.write(chunk)
    wall = time.perf_counter() - started
    peak = status_kb(worker, "VmHWM")
    cpu_app, cpu_api = cpu_seconds(worker) - cpu_app, cpu_seconds(api_worker) - cpu_api
    stats = sandbox.stats()
    rows = check_file(buffer.getvalue(), export_format)
    assert rows == expected, f"{rows} rows for a Count of {expected}"
    logged = last_export_line(app_log)
    calls = logged.get("upstream_calls") or 0
    return {
        "format": export_format,
        "rows": rows,
        "bytes": buffer.tell(),
        "wall_s": round(wall, 2),
        "ttfb_s": round(first_byte or wall, 3),
        "rss_before_mib": round(rss_before / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "app_cpu_s": round(cpu_app, 2),
        "sandbox_cpu_s": round(cpu_api, 2),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "upstream_requests": sum(stats["api_requests"].get(CLIENT_ID, {}).values()),
        "upstream_call_mean_ms": round(logged.get("upstream_ms", 0) / calls, 1) if calls else None,
        "rate_limited": sum(stats["rate_limited"].values()),
    }


def run(
    sizes: list[int], latencies: list[int], formats: list[str], *, keep: bool = False
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="leadsportal-export-bench-"))
    api_port, app_port = free_port(), free_port()
    api_url, app_url = f"http://{HOST}:{api_port}", f"http://{HOST}:{app_port}"
    anchor = datetime.now(UTC).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "LEADS_SANDBOX_LEADS_PER_CLIENT": str(LEADS_PER_CLIENT),
        "LEADS_SANDBOX_ANCHOR": anchor,
        "LEADS_SANDBOX_RATE_LIMIT": "50",
        "LEADS_SANDBOX_LATENCY_MS": "0",
        "LEADS_API_BASE_URL": f"{api_url}/sandbox",
        "PYTHONPATH": str(ROOT),
    }
    manage(env, "migrate", "--noinput")
    manage(
        {**env, "LEADS_CLIENT_SECRET": CLIENT_SECRET},
        "create_agency",
        AGENCY,
        "--client-id",
        CLIENT_ID,
        "--base-url",
        f"{api_url}/sandbox",
    )
    manage(
        {**env, "LEADSPORTAL_PASSWORD": PASSWORD},
        "create_member",
        USERNAME,
        "--agency",
        AGENCY,
        "--role",
        "manager",
    )
    results: dict[str, Any] = {
        "date": datetime.now(PARIS).isoformat(timespec="seconds"),
        "machine": machine(),
        "leads_per_client": LEADS_PER_CLIENT,
        "concurrency": CONCURRENCY,
        "runs": [],
    }
    try:
        with (
            gunicorn(api_port, env, workdir / "api.log", threads=16) as api_worker,
            gunicorn(app_port, env, workdir / "app.log", threads=4) as worker,
        ):
            sandbox = Sandbox(f"{api_url}/sandbox")
            session = login(app_url)
            windows = {size: window_for(sandbox, size) for size in sizes}
            # Warm-up: the app's code paths and the token; not measured.
            today = datetime.now(PARIS).date()
            warm = session.get(f"{app_url}/exports/leads/?start={today}&end={today}&format=csv")
            assert warm.status_code == 200 and warm.content
            results["idle_rss_mib"] = round(status_kb(worker, "VmRSS") / 1024, 1)
            for latency in latencies:
                sandbox.control(latency_ms=latency)
                for size in sizes:
                    start, end, count = windows[size]
                    for export_format in formats:
                        line = export_once(
                            session,
                            app_url,
                            worker,
                            api_worker,
                            sandbox,
                            start=start,
                            end=end,
                            export_format=export_format,
                            expected=count,
                            app_log=workdir / "app.log",
                        )
                        pages = math.ceil(count / 100)
                        line.update(
                            {
                                "target_size": size,
                                "latency_ms": latency,
                                "days": (end - start).days + 1,
                                "pages": pages,
                                "latency_bound_s": round(pages * latency / 1000 / CONCURRENCY, 2),
                                "rate_bound_s": round(pages / RATE, 2),
                            }
                        )
                        results["runs"].append(line)
                        print(json.dumps(line), flush=True)
    finally:
        if keep:
            print(f"logs and database kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| leads | latency | format | pages | wall | TTFB | pages×latency÷3 (×1.5) | peak RSS "
        "| mean call | CPU app / sandbox | load | 429s |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in results["runs"]:
        bound = run["latency_bound_s"]
        target = f"{bound:.2f} s ({bound * 1.5:.2f} s)" if bound else "—"
        lines.append(
            f"| {run['rows']:,} | {run['latency_ms']} ms | {FORMATS[run['format']]} | "
            f"{run['pages']} | {run['wall_s']:.2f} s | {run['ttfb_s'] * 1000:.0f} ms | {target} | "
            f"{run['peak_rss_mib']:.1f} MiB | {run['upstream_call_mean_ms']} ms | "
            f"{run['app_cpu_s']:.1f} s / {run['sandbox_cpu_s']:.1f} s | "
            f"{run['load_average_1min'][0]:.1f} | {run['rate_limited']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--latencies", type=int, nargs="+", default=[0, 50])
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=list(FORMATS))
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs and database")
    args = parser.parse_args()
    results = run(args.sizes, args.latencies, args.formats, keep=args.keep)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(markdown(results))
    print(f"\nidle RSS of the app worker: {results['idle_rss_mib']} MiB; saved {RESULTS}")


if __name__ == "__main__":
    main()
