"""Benchmark of the lead export: in the request up to 10 pages, by the worker beyond.

    uv run python bench/export_bench.py                     # 1,000 in the request; 10,000
                                                            # and 50,000 by the worker; 0 and
                                                            # 50 ms; both formats; 3 rounds
    uv run python bench/export_bench.py --sizes 10000 --latencies 50 --formats xlsx --repeat 1

Run by hand, not a test. A list of at most LEADS_EXPORT_BACKGROUND_PAGES (10) API pages is
built in the request and sent whole; a longer one is queued (Huey task `export_build`), the
click answers a redirect to its progress page /exports/<id>/, a worker process builds the file
into the database (encrypted chunks) and the page offers /exports/<id>/fichier/
(docs/EXPORTS.md). Everything runs on loopback, in processes this script starts and stops:
- the sandbox (the fake GSL API) under its own gunicorn (one worker, threads), with
  LEADS_SANDBOX_LEADS_PER_CLIENT large enough for 50,000 leads in one 91-day window and the
  contract's rate limit (50 requests per second and client) left on;
- the app under gunicorn, ONE worker process (4 threads);
- the background worker, `manage.py leads_worker` (Huey's consumer: one process, its default
  threads), on the same throwaway SQLite database and the SQLite task queue beside it; the
  watcher polls once a minute (LEADS_WATCH_INTERVAL=60) and today's daily jobs are marked done,
  so the worker does little besides the exports (as tests/exports/worker.py);
- an agency pointed at the sandbox, one manager account logged in through /connexion/.

Memory: the peak resident set (VmHWM) of the app's gunicorn worker and of the leads_worker
process is reset before each export through /proc/PID/clear_refs and read after it, so each
line gives the peak of that export alone.

For each size, format and added latency (set with POST /sandbox/_control):
- in the request (size <= 1,000): the longest window ending today (All leads, one portal or
  all) with at most that many leads; the export downloaded as a browser would: click → file;
- by the worker: the shortest window ending today with at least that many leads; the click
  (the view fetches page 1 and answers 302), then the progress page's htmx part polled every
  --poll seconds until it offers the file (click → file offered), then the download; the
  worker's own "export finished" log line gives click → file stored.
Each file is checked (rows == the API's Count, no "EXPORT INCOMPLET"). Upstream requests and
429s are the sandbox's counters. Rounds are interleaved (round 1 of every case, then round 2…)
and each line of the tables is the median of --repeat rounds. Results: printed as Markdown
tables and saved in bench/results/export.json.
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
import signal
import socket
import statistics
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
PAGE_SIZE = 100  # the contract's maximum, what the export asks for
BACKGROUND_PAGES = 10  # LEADS_EXPORT_BACKGROUND_PAGES, set so in the servers' environment
CONCURRENCY = 3  # leadsportal.exports.fetching.DEFAULT_CONCURRENCY
RATE = 50 * 0.95  # requests per second the export allows itself (fetching.RATE_SHARE)
FORMATS = {"csv-excel": "CSV (Excel FR)", "xlsx": "Excel (.xlsx)"}
PORTALS = ("SLG-FRA", "LIM-FRA", "SLN-FRA", "BDS-FRA", "MAG-FRA")  # tried for the short list
HTMX = {"HX-Request": "true", "HX-Target": "export-progress"}
PATIENCE = 600.0  # the longest a background export may take before the run is abandoned
ENDED = ("completed", "incomplete", "failed")
IDLE_SECONDS = 5.0


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


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
            stop(process)


@contextmanager
def leads_worker(env: dict[str, str], log: Path) -> Iterator[int]:
    """`manage.py leads_worker` (one process, Huey's thread workers); yields its pid."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "leads_worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
        try:
            deadline = time.monotonic() + 60
            while "Tâches de fond" not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"leads_worker did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
            yield process.pid
        finally:
            stop(process, signal.SIGINT)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


# Today's re-read (every agency's 92 days: 50,000+ leads here) and purge marked done, as
# tests/exports/worker.py does, so that the worker's hourly check does not start them mid-run.
DAILY_LEASES = """
from django.utils import timezone
from leadsportal.watch.leases import lease_take, slot_of
today = slot_of(timezone.now(), 86_400)
for job in ("reread", "purge"):
    lease_take(job, today)
"""


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

    def count(self, start: date, end: date, portal: str = "") -> int:
        """The All-leads Count for the window the export form makes of [start, end]."""

        def utc(day: date) -> str:
            local = datetime.combine(day, datetime.min.time(), tzinfo=PARIS)
            return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        criteria: dict[str, Any] = {"StartDate": utc(start), "EndDate": utc(end + timedelta(1))}
        if portal:
            criteria["Portals"] = [portal]
        body = {"SearchCriteria": criteria, "Pagination": {"PageIndex": 1, "PageSize": 1}}
        for _attempt in range(10):
            response = self.session.post(f"{self.url}/v2/leads/search", json=body, timeout=30)
            if response.status_code != 429:  # the same client's rate limit as the app's
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
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


def short_window_for(sandbox: Sandbox, limit: int) -> tuple[date, date, str, int]:
    """The longest window ending today with at most `limit` leads (All leads, every portal or
    one of PORTALS, whichever comes closest): a list the request builds itself."""
    end = datetime.now(PARIS).date()
    best: tuple[date, date, str, int] | None = None
    for portal in ("", *PORTALS):
        low, high = 0, MAX_DAYS  # the longest number of days with count <= limit
        while low < high:
            middle = (low + high + 1) // 2
            if sandbox.count(end - timedelta(days=middle - 1), end, portal) <= limit:
                low = middle
            else:
                high = middle - 1
        if low == 0:
            continue
        start = end - timedelta(days=low - 1)
        count = sandbox.count(start, end, portal)
        if best is None or count > best[3]:
            best = (start, end, portal, count)
    if best is None:
        raise SystemExit(f"no window ending today holds at most {limit} leads")
    return best


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


def export_line(log: Path, export_id: int | None = None) -> dict[str, Any]:
    """The app's own "export finished" log line (JSON) of one export (the last one if None)."""
    found: dict[str, Any] = {}
    for line in log.read_text(errors="replace").splitlines():
        if '"export finished"' not in line:
            continue
        try:
            logged = json.loads(line)
        except ValueError:
            continue
        if export_id is None or logged.get("export_id") == export_id:
            found = dict(logged)
    return found


def download(session: requests.Session, url: str) -> tuple[bytes, float, float]:
    """The file as a browser downloads it: bytes, wall time, time to the first body byte."""
    buffer = io.BytesIO()
    started = time.perf_counter()
    first_byte = None
    with session.get(url, stream=True, timeout=300, allow_redirects=False) as response:
        assert response.status_code == 200, (url, response.status_code)
        assert "attachment" in response.headers.get("Content-Disposition", ""), response.headers
        for chunk in response.iter_content(chunk_size=None):
            if first_byte is None and chunk:
                first_byte = time.perf_counter() - started
            buffer.write(chunk)
    wall = time.perf_counter() - started
    return buffer.getvalue(), wall, first_byte or wall


class Stack:
    """The running processes and what measuring one export needs of them."""

    def __init__(
        self,
        *,
        session: requests.Session,
        app_url: str,
        web: int,
        worker: int,
        api: int,
        sandbox: Sandbox,
        workdir: Path,
        poll: float,
    ) -> None:
        self.session = session
        self.app_url = app_url
        self.web, self.worker, self.api = web, worker, api
        self.sandbox = sandbox
        self.workdir = workdir
        self.poll = poll

    def begin(self) -> dict[str, Any]:
        self.sandbox.control(reset_counters=True)
        for pid in (self.web, self.worker):
            reset_peak(pid)
        return {
            "rss_before_web_mib": round(status_kb(self.web, "VmRSS") / 1024, 1),
            "rss_before_worker_mib": round(status_kb(self.worker, "VmRSS") / 1024, 1),
            "cpu": {pid: cpu_seconds(pid) for pid in (self.web, self.worker, self.api)},
            "load": os.getloadavg()[0],
        }

    def end(self, before: dict[str, Any], logged: dict[str, Any]) -> dict[str, Any]:
        cpu = {pid: cpu_seconds(pid) - before["cpu"][pid] for pid in before["cpu"]}
        stats = self.sandbox.stats()
        calls = logged.get("upstream_calls") or 0
        return {
            "rss_before_web_mib": before["rss_before_web_mib"],
            "rss_before_worker_mib": before["rss_before_worker_mib"],
            "peak_rss_web_mib": round(status_kb(self.web, "VmHWM") / 1024, 1),
            "peak_rss_worker_mib": round(status_kb(self.worker, "VmHWM") / 1024, 1),
            "web_cpu_s": round(cpu[self.web], 2),
            "worker_cpu_s": round(cpu[self.worker], 2),
            "sandbox_cpu_s": round(cpu[self.api], 2),
            "load_average_1min": [round(before["load"], 2), round(os.getloadavg()[0], 2)],
            "upstream_requests": sum(stats["api_requests"].get(CLIENT_ID, {}).values()),
            "upstream_call_mean_ms": round(logged.get("upstream_ms", 0) / calls, 1)
            if calls
            else None,
            "rate_limited": sum(stats["rate_limited"].values()),
        }

    def in_request(self, query: str, export_format: str, expected: int) -> dict[str, Any]:
        before = self.begin()
        url = f"{self.app_url}/exports/leads/?{query}&format={export_format}"
        data, wall, first_byte = download(self.session, url)
        logged = export_line(self.workdir / "app.log")
        line = self.end(before, logged)
        rows = check_file(data, export_format)
        assert rows == expected, f"{rows} rows for a Count of {expected}"
        assert logged.get("background") is False, logged
        line.update(
            {
                "mode": "request",
                "rows": rows,
                "bytes": len(data),
                "click_to_file_s": round(wall, 3),
                "ttfb_s": round(first_byte, 3),
            }
        )
        return line

    def background(self, query: str, export_format: str, expected: int) -> dict[str, Any]:
        before = self.begin()
        started = time.perf_counter()
        click = self.session.get(
            f"{self.app_url}/exports/leads/?{query}&format={export_format}",
            timeout=60,
            allow_redirects=False,
        )
        click_s = time.perf_counter() - started
        assert click.status_code == 302, (click.status_code, click.text[:500])
        match = re.fullmatch(r"/exports/(\d+)/", click.headers["Location"])
        assert match, click.headers["Location"]
        export_id = int(match[1])
        job_url = f"{self.app_url}/exports/{export_id}/"
        running_s = None
        status = ""
        polls = 0
        while time.perf_counter() - started < PATIENCE:
            part = self.session.get(job_url, headers=HTMX, timeout=30)
            polls += 1
            assert part.status_code == 200, part.status_code
            found = re.search(r'data-status="(\w+)"', part.text)
            assert found, part.text[:500]
            status = found[1]
            if status != "queued" and running_s is None:
                running_s = time.perf_counter() - started
            if status in ENDED:
                break
            time.sleep(self.poll)
        offered_s = time.perf_counter() - started
        assert status == "completed", (status, part.text[-2000:])
        link = f'href="/exports/{export_id}/fichier/"'
        assert link in part.text, "the ended job's page offers no file"
        data, download_s, download_ttfb = download(self.session, f"{job_url}fichier/")
        logged = export_line(self.workdir / "worker.log", export_id)
        line = self.end(before, logged)
        rows = check_file(data, export_format)
        assert rows == expected, f"{rows} rows for a Count of {expected}"
        line.update(
            {
                "mode": "background",
                "export_id": export_id,
                "rows": rows,
                "bytes": len(data),
                "click_s": round(click_s, 3),
                "queued_s": round(running_s or offered_s, 3),
                "click_to_offered_s": round(offered_s, 3),
                "click_to_stored_s": round(logged["duration_ms"] / 1000, 3)
                if logged.get("duration_ms") is not None
                else None,
                "download_s": round(download_s, 3),
                "download_ttfb_s": round(download_ttfb, 3),
                "click_to_file_s": round(offered_s + download_s, 3),
                "polls": polls,
            }
        )
        return line


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per (mode, size, latency, format): the medians of its rounds, min and max."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for run in runs:
        # What the export itself added to each process's resident set.
        run = {
            **run,
            "web_growth_mib": round(run["peak_rss_web_mib"] - run["rss_before_web_mib"], 1),
            "worker_growth_mib": round(
                run["peak_rss_worker_mib"] - run["rss_before_worker_mib"], 1
            ),
        }
        key = (run["mode"], run["target_size"], run["latency_ms"], run["format"])
        groups.setdefault(key, []).append(run)
    lines = []
    for (mode, size, latency, export_format), group in groups.items():
        first = group[0]
        line: dict[str, Any] = {
            "mode": mode,
            "target_size": size,
            "latency_ms": latency,
            "format": export_format,
            "rounds": len(group),
            "rows": first["rows"],
            "pages": first["pages"],
            "bytes": first["bytes"],
            "bound_s": first["bound_s"],
        }
        numeric = [
            name
            for name, value in first.items()
            if isinstance(value, int | float)
            and not isinstance(value, bool)
            and name not in line
            and name != "export_id"
            and all(isinstance(run.get(name), int | float) for run in group)
        ]
        for name in numeric:
            values = [float(run[name]) for run in group]
            line[name] = round(median(values), 3)
            line[name + "_range"] = [round(min(values), 3), round(max(values), 3)]
        line["ratio_to_bound"] = (
            round(
                line["click_to_offered_s" if mode == "background" else "click_to_file_s"]
                / first["bound_s"],
                2,
            )
            if first["bound_s"]
            else None
        )
        line["load_average_1min"] = [run["load_average_1min"][0] for run in group]
        lines.append(line)
    return lines


def run(
    sizes: list[int],
    latencies: list[int],
    formats: list[str],
    *,
    repeat: int,
    poll: float,
    keep: bool = False,
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="leadsportal-export-bench-"))
    api_port, app_port = free_port(), free_port()
    api_url, app_url = f"http://{HOST}:{api_port}", f"http://{HOST}:{app_port}"
    anchor = datetime.now(UTC).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "LEADS_TASKS_SQLITE": str(workdir / "tasks.sqlite3"),
        "LEADS_TASKS_QUEUE": "leadsportal-export-bench",
        "LEADS_EXPORT_BACKGROUND_PAGES": str(BACKGROUND_PAGES),
        "LEADS_WATCH_INTERVAL": "60",  # the longest it may be: one poll a minute
        "LEADS_SANDBOX_LEADS_PER_CLIENT": str(LEADS_PER_CLIENT),
        "LEADS_SANDBOX_ANCHOR": anchor,
        "LEADS_SANDBOX_RATE_LIMIT": "50",
        "LEADS_SANDBOX_LATENCY_MS": "0",
        "LEADS_API_BASE_URL": f"{api_url}/sandbox",
        "PYTHONPATH": str(ROOT),
    }
    # Creating the agency queues the backfill of its 92 days (50,000+ leads): into a queue no
    # worker reads, so that it does not run beside the exports.
    setup = {**env, "LEADS_TASKS_SQLITE": str(workdir / "setup-tasks.sqlite3")}
    manage(setup, "migrate", "--noinput")
    manage(
        {**setup, "LEADS_CLIENT_SECRET": CLIENT_SECRET},
        "create_agency",
        AGENCY,
        "--client-id",
        CLIENT_ID,
        "--base-url",
        f"{api_url}/sandbox",
    )
    manage(
        {**setup, "LEADSPORTAL_PASSWORD": PASSWORD},
        "create_member",
        USERNAME,
        "--agency",
        AGENCY,
        "--role",
        "manager",
    )
    manage(setup, "shell", "-c", DAILY_LEASES)
    results: dict[str, Any] = {
        "date": datetime.now(PARIS).isoformat(timespec="seconds"),
        "machine": machine(),
        "leads_per_client": LEADS_PER_CLIENT,
        "concurrency": CONCURRENCY,
        "background_pages": BACKGROUND_PAGES,
        "repeat": repeat,
        "poll_s": poll,
        "runs": [],
    }
    limit = BACKGROUND_PAGES * PAGE_SIZE
    try:
        with (
            gunicorn(api_port, env, workdir / "api.log", threads=16) as api,
            gunicorn(app_port, env, workdir / "app.log", threads=4) as web,
            leads_worker(env, workdir / "worker.log") as worker,
        ):
            sandbox = Sandbox(f"{api_url}/sandbox")
            stack = Stack(
                session=login(app_url),
                app_url=app_url,
                web=web,
                worker=worker,
                api=api,
                sandbox=sandbox,
                workdir=workdir,
                poll=poll,
            )
            cases: dict[int, tuple[str, str, int, int]] = {}  # size: mode, query, count, days
            for size in sizes:
                if size <= limit:
                    start, end, portal, count = short_window_for(sandbox, size)
                    mode = "request"
                else:
                    start, end, count = window_for(sandbox, size)
                    portal, mode = "", "background"
                query = f"start={start}&end={end}" + (f"&portal={portal}" if portal else "")
                cases[size] = (mode, query, count, (end - start).days + 1)
                print(f"{size}: {mode}, {query}, {count} leads", flush=True)
            # Warm-up, not measured: the code paths of both ways, the token in each process.
            short_start, short_end, short_portal, short_count = short_window_for(sandbox, limit)
            short = f"start={short_start}&end={short_end}" + (
                f"&portal={short_portal}" if short_portal else ""
            )
            long_start, long_end, long_count = window_for(sandbox, limit + 1)
            for export_format in formats:
                stack.in_request(short, export_format, short_count)
                stack.background(f"start={long_start}&end={long_end}", export_format, long_count)
            results["idle_rss_web_mib"] = round(status_kb(web, "VmRSS") / 1024, 1)
            results["idle_rss_worker_mib"] = round(status_kb(worker, "VmRSS") / 1024, 1)
            # What the idle worker costs (its threads look at the SQLite queue every 0.5 s).
            idle_cpu = cpu_seconds(worker)
            time.sleep(IDLE_SECONDS)
            results["idle_worker_cpu_per_s"] = round(
                (cpu_seconds(worker) - idle_cpu) / IDLE_SECONDS, 3
            )
            for round_number in range(1, repeat + 1):
                for latency in latencies:
                    sandbox.control(latency_ms=latency)
                    for size in sizes:
                        mode, query, count, days = cases[size]
                        for export_format in formats:
                            measure = stack.in_request if mode == "request" else stack.background
                            line = measure(query, export_format, count)
                            pages = math.ceil(count / PAGE_SIZE)
                            latency_bound = pages * latency / 1000 / CONCURRENCY
                            line.update(
                                {
                                    "format": export_format,
                                    "round": round_number,
                                    "target_size": size,
                                    "latency_ms": latency,
                                    "days": days,
                                    "query": query,
                                    "pages": pages,
                                    "latency_bound_s": round(latency_bound, 2),
                                    "rate_bound_s": round(pages / RATE, 2),
                                    # What the upstream allows at best: its rate limit, or
                                    # every page's latency spread over 3 requests in flight.
                                    "bound_s": round(max(latency_bound, pages / RATE), 2),
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
    results["summary"] = summarise(results["runs"])
    return results


def seconds(line: dict[str, Any], name: str) -> str:
    low, high = line[name + "_range"]
    return f"{line[name]:.2f} s ({low:.2f}–{high:.2f})"


def markdown(results: dict[str, Any]) -> str:
    machine_ = results["machine"]
    lines = [
        f"Measured {results['date']} on {machine_['nproc']} CPUs ({machine_['cpu']}), "
        f"{machine_['memory_gib']} GiB, Python {machine_['python']}, kernel "
        f"{machine_['kernel']}; medians of {results['repeat']} rounds (min–max in brackets); "
        f"load average at start {[round(x, 2) for x in machine_['load_average_at_start']]}, "
        f"at end {[round(x, 2) for x in machine_['load_average_at_end']]}. Idle RSS after "
        f"warm-up: app worker {results['idle_rss_web_mib']} MiB, leads_worker "
        f"{results['idle_rss_worker_mib']} MiB (idle, it uses "
        f"{results['idle_worker_cpu_per_s']:.3f} s of CPU per second).",
        "",
    ]
    summary = results["summary"]
    request = [line for line in summary if line["mode"] == "request"]
    background = [line for line in summary if line["mode"] == "background"]
    if request:
        lines += [
            "In the request (≤ 10 pages):",
            "",
            "| leads | latency | format | pages | click → file | bound | ÷ bound "
            "| peak RSS app (+ export) | mean call | CPU app / sandbox | 429s |",
            "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for line in request:
            lines.append(
                f"| {line['rows']:,} | {line['latency_ms']} ms | {FORMATS[line['format']]} | "
                f"{line['pages']} | {seconds(line, 'click_to_file_s')} | {line['bound_s']:.2f} s "
                f"| {line['ratio_to_bound']} | {line['peak_rss_web_mib']:.1f} MiB "
                f"({line['web_growth_mib']:+.1f}) | {line.get('upstream_call_mean_ms', '—')} ms | "
                f"{line['web_cpu_s']:.1f} s / {line['sandbox_cpu_s']:.1f} s | "
                f"{line['rate_limited']:.0f} |"
            )
        lines.append("")
    if background:
        lines += [
            "By the worker (> 10 pages): the click's 302, click → file offered on the progress "
            f"page (polled every {results['poll_s']} s), click → file stored (the worker's log), "
            "the download:",
            "",
            "| leads | latency | format | pages | click (302) | click → offered | stored "
            "| bound | ÷ bound | download | peak RSS worker (+ export) | peak RSS app "
            "| mean call | CPU worker / app / sandbox | 429s |",
            "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
            "| ---: | ---: | ---: |",
        ]
        for line in background:
            lines.append(
                f"| {line['rows']:,} | {line['latency_ms']} ms | {FORMATS[line['format']]} | "
                f"{line['pages']} | {line['click_s'] * 1000:.0f} ms | "
                f"{seconds(line, 'click_to_offered_s')} | {line['click_to_stored_s']:.2f} s | "
                f"{line['bound_s']:.2f} s | {line['ratio_to_bound']} | "
                f"{seconds(line, 'download_s')} | {line['peak_rss_worker_mib']:.1f} MiB "
                f"({line['worker_growth_mib']:+.1f}) | {line['peak_rss_web_mib']:.1f} MiB | "
                f"{line.get('upstream_call_mean_ms', '—')} ms | {line['worker_cpu_s']:.1f} s / "
                f"{line['web_cpu_s']:.1f} s / {line['sandbox_cpu_s']:.1f} s | "
                f"{line['rate_limited']:.0f} |"
            )
    files = sorted({(line["rows"], line["format"]): line["bytes"] for line in summary}.items())
    lines += [
        "",
        "Files: "
        + ", ".join(
            f"{rows:,} leads {FORMATS[fmt]} {size / 1e6:.1f} MB" for (rows, fmt), size in files
        )
        + ".",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1_000, 10_000, 50_000],
        help="leads; up to 1,000 (10 pages) in the request, more by the worker",
    )
    parser.add_argument("--latencies", type=int, nargs="+", default=[0, 50])
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=list(FORMATS))
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each case (median)")
    parser.add_argument(
        "--poll", type=float, default=0.25, help="seconds between two looks at the progress page"
    )
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs and database")
    parser.add_argument(
        "--report", action="store_true", help=f"print the tables of {RESULTS.name}, run nothing"
    )
    args = parser.parse_args()
    if args.report:
        saved = json.loads(RESULTS.read_text())
        saved["summary"] = summarise(saved["runs"])
        print(markdown(saved))
        return
    results = run(
        args.sizes,
        args.latencies,
        args.formats,
        repeat=args.repeat,
        poll=args.poll,
        keep=args.keep,
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(markdown(results))
    print(f"\nsaved {RESULTS}")


if __name__ == "__main__":
    main()
