"""Benchmark of the real-time path (issue 12): lead to screen, upstream calls of open tabs,
one worker for 500 agencies, 1,000 open event streams.

    uv run python bench/live_bench.py              # the full run (about 20 minutes on 2 cores)
    uv run python bench/live_bench.py --quick      # the same steps, shorter: about 8 minutes
    uv run python bench/live_bench.py --write-docs # also refresh "Real time" in docs/BENCHMARKS.md
    uv run python bench/live_bench.py --only 1,2   # some measurements only (1 to 4)

Everything runs on loopback, in processes this script starts and stops itself:
- a throwaway PostgreSQL cluster (initdb in a temporary directory, as the `postgres` user when
  run as root) if PostgreSQL is installed, else a throwaway SQLite file (`--sqlite` forces it);
- a redis-server on a free port: the cache, the sessions' cache and Huey's queue (REDIS_URL);
- the sandbox (the fake GSL API) under its own gunicorn, ONE worker with threads (its counters,
  knobs and added leads live in that process), 500 clients of 50 leads each, its rate limit off;
- the dashboard as production runs it: `bin/serve` (gunicorn + uvicorn workers on
  leadsportal.asgi, WEB_CONCURRENCY=2), LEADSPORTAL_ENV=production, generated secrets;
  requests carry X-Forwarded-Proto: https as the reverse proxy's would;
- the worker as production runs it: `manage.py leads_worker` (Huey consumer: threads and
  scheduler in one process), its own process, same environment; one or two of them.

Measured:
1. Lead to screen: a real Chromium (Playwright) shows a lead detail page; the sandbox adds 20
   leads (POST /sandbox/_control/leads) at random gaps of 0–10 s, so they fall in every phase of
   the 10 s poll interval; for each, the time from the add call's return to the moment the
   page's title shows the new count "(n) " (page.wait_for_function on document.title, the page
   stamping Date.now()). Split into detection (LiveEvent.created_at − add) and push (screen −
   LiveEvent.created_at). Targets: p50 ≤ 6 s, p95 ≤ 12 s.
2. Upstream calls for new-lead detection with 1 and with 20 open tabs (half lead detail, half
   list pages) left open 60 s: the sandbox's per-client counters before and after. Open tabs
   must cost nothing: the searches are the watcher's ~6 a minute either way.
3. One worker for 500 agencies at 100 ms upstream latency: about 3 minutes of polling, then,
   from the WatchLease rows (name "poll:<id>", slot, taken_at), the share of (agency, slot)
   pairs polled in the measured slots and the lateness of each poll (taken_at − slot start −
   the agency's offset, watch.schedule.poll_offset), p50/p95; with more threads if 16 do not keep up.
   Then TWO workers on the same Redis: searches per client counted by the sandbox against the
   leases per client (a duplicate poll would be a search without its own lease).
4. 1,000 open event streams (/direct/evenements/, raw asyncio HTTP/1.1 in a child process,
   one logged-in session) on the 2 dashboard processes: list page (/leads/) p50/p95 over 200
   requests at concurrency 4 without and with the streams, then one lead added: how many of
   the 1,000 streams received it within 15 s.

Machine facts go in the results: bench/results/live.json (live-quick.json for --quick).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from run import (  # bench/run.py's helpers: same processes, same conventions
    HOST,
    ROOT,
    Server,
    free_port,
    machine,
    make_base_env,
    percentile,
    say,
    static_manifest_is_fresh,
)

from leadsportal.watch.schedule import poll_offset

RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "BENCHMARKS.md"

CLIENT_ID = "agence-paris-demo"
CLIENT_SECRET = "paris-demo-secret"  # the sandbox's public demo credentials
AGENCY = "Agence Temps Reel"
USERNAME = "bench.live"
PASSWORD = "Bench-Horse-Staple-42"  # a throwaway account in a throwaway database
SCALE_PREFIX = "Bench scale "  # the 499 other agencies of measurement 3
INTERVAL = 10  # LEADS_WATCH_INTERVAL's default, which this benchmark keeps
LATENCY_MS = 100  # the sandbox's added latency, as a real upstream's
SEARCH_ROUTE = "searchLeads"  # the watcher's one call per poll (family ALL)
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def stats_of(values: list[float], digits: int = 2) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(statistics.median(values), digits),
        "p95": round(percentile(values, 0.95), digits),
        "max": round(max(values), digits),
        "min": round(min(values), digits),
        "mean": round(statistics.fmean(values), digits),
    }


def epoch(value: Any) -> float:
    """A timestamp from PostgreSQL (datetime) or SQLite (ISO text, UTC) as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    text = str(value).replace(" ", "T")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def proc_cpu(pid: int) -> float:
    """CPU seconds of one process (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_threads(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


# --- Processes this script owns ----------------------------------------------------------


class Postgres:
    """A throwaway cluster in a temporary directory, on a free port, trust authentication."""

    def __init__(self, tmp: Path, max_connections: int) -> None:
        self.dir = tmp / "pg"
        self.port = free_port()
        self.started = False
        self.max_connections = max_connections

    def _ctl(self, action: str) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} "
            f"-c max_connections={self.max_connections}"
        )
        self._as_owner(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-o", f"'{options}'", "-l",
             str(self.dir / "log"), "-m", "fast", "-w", action]
        )  # fmt: skip

    def restart(self, max_connections: int) -> None:
        self.max_connections = max_connections
        self._ctl("restart")

    def _as_owner(self, command: list[str]) -> None:
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        self.dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.dir.parent, "postgres")
        data = self.dir / "data"
        self._as_owner(
            [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "bench", "-E", "UTF8"]
        )
        self._ctl("start")
        self.started = True
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", HOST, "-p", str(self.port), "-U", "bench",
             "leadsportal"], check=True, capture_output=True, timeout=60
        )  # fmt: skip
        return f"postgres://bench@{HOST}:{self.port}/leadsportal"

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(subprocess.SubprocessError):
                self._as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m",
                                "fast", "stop"])  # fmt: skip
            self.started = False


class Worker:
    """One `manage.py leads_worker` process (the Huey consumer)."""

    def __init__(self, name: str, log: Path) -> None:
        self.name = name
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str], threads: int | None = None) -> None:
        command = [sys.executable, "manage.py", "leads_worker"]
        if threads:
            command += ["--workers", str(threads)]
        handle = self.log.open("ab")
        start = self.log.stat().st_size
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
        handle.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited at start-up; see {self.log}")
            with self.log.open("rb") as text:
                text.seek(start)
                if "Tâches de fond".encode() in text.read():
                    return
            time.sleep(0.2)
        raise SystemExit(f"{self.name} never started; see {self.log}")

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # Huey: graceful stop (finish running tasks)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


# --- The bench --------------------------------------------------------------------------


@dataclass
class Live:
    args: argparse.Namespace
    tmp: Path
    env: dict[str, str]
    sandbox: Server
    dashboard: Server
    redis: Server
    database_url: str
    redis_url: str
    workers: list[Worker] = field(default_factory=list)
    session: requests.Session = field(default_factory=requests.Session)
    results: dict[str, Any] = field(default_factory=dict)
    agency_id: int = 0
    plan_seen_after: float = 0.0  # a "plan" lease newer than this is a new worker's

    # Database, read straight from this process (no Django here) -------------------------

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.database_url.startswith("postgres"):
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                cursor = conn.execute(query, params)  # type: ignore[arg-type]
                return list(cursor.fetchall()) if cursor.description else []
        path = self.database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
            rows = conn.execute(query.replace("%s", "?"), params).fetchall()
            conn.commit()
            return rows

    def polls_of(self, agency_id: int) -> int:
        rows = self.sql("SELECT polls FROM watch_agencywatch WHERE agency_id = %s", (agency_id,))
        return int(rows[0][0]) if rows else 0

    # Sandbox ---------------------------------------------------------------------------------

    def control(self, **knobs: Any) -> None:
        response = requests.post(self.sandbox.url + "/sandbox/_control", json=knobs, timeout=10)
        response.raise_for_status()

    def api_counts(self) -> dict[str, dict[str, int]]:
        body = requests.get(self.sandbox.url + "/sandbox/_control/stats", timeout=30).json()
        return {client: dict(routes) for client, routes in body["api_requests"].items()}

    def add_lead(self, client_id: str = CLIENT_ID) -> tuple[str, float]:
        response = requests.post(
            self.sandbox.url + "/sandbox/_control/leads", json={"client_id": client_id}, timeout=10
        )
        response.raise_for_status()
        return str(response.json()["leadId"]), time.time()

    # Dashboard and workers ---------------------------------------------------------------

    def start_dashboard(self) -> None:
        self.dashboard.stop()
        env = dict(self.env, PORT=str(self.dashboard.port), BIND_ADDRESS=HOST, WEB_CONCURRENCY="2")
        self.dashboard.start(["sh", "bin/serve"], env, "/healthz")

    def start_workers(self, count: int, threads: int | None = None) -> None:
        self.stop_workers()
        for number in range(count):
            worker = Worker(f"worker{number + 1}", self.tmp / f"worker{number + 1}.log")
            worker.start(self.env, threads)
            self.workers.append(worker)

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    def wait_for_polls(self, agency_id: int, count: int, timeout: float = 150) -> None:
        """Until the watcher has polled the agency `count` more times (the first plan waits
        for the next minute boundary; the first poll announces nothing)."""
        target = self.polls_of(agency_id) + count
        deadline = time.monotonic() + timeout
        while self.polls_of(agency_id) < target:
            if time.monotonic() > deadline:
                raise SystemExit(f"the watcher did not poll agency {agency_id}; see worker logs")
            time.sleep(0.5)

    # Session ---------------------------------------------------------------------------------

    def login(self) -> None:
        self.session = requests.Session()
        self.session.headers.update(PROXY_HEADERS)
        page = self.session.get(self.dashboard.url + "/connexion/", timeout=10)
        page.raise_for_status()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not match:
            raise SystemExit("no CSRF token on the login page")
        self._insecure_cookies()
        response = self.session.post(
            self.dashboard.url + "/connexion/",
            data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": match[1]},
            headers={"Referer": f"https://{HOST}:{self.dashboard.port}/connexion/"},
            allow_redirects=False,
            timeout=30,
        )
        if response.status_code != 302:
            raise SystemExit(f"login failed: HTTP {response.status_code}")
        self._insecure_cookies()

    def _insecure_cookies(self) -> None:
        # The cookies are Secure (TLS ends at the proxy): send them on this plain loopback hop.
        for cookie in self.session.cookies:
            cookie.secure = False

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)

    def browser_cookies(self) -> list[dict[str, Any]]:
        return [
            {"name": c.name, "value": c.value, "url": self.dashboard.url}
            for c in self.session.cookies
        ]

    def lead_ids_on_list(self) -> list[str]:
        page = self.session.get(self.dashboard.url + "/leads/?per_page=100", timeout=30)
        page.raise_for_status()
        return list(dict.fromkeys(re.findall(r'href="/lead/([^/"]+)/', page.text)))


# --- Setup ------------------------------------------------------------------------------

SETUP_CODE = """
import sys
import django
django.setup()
from django.core.management import call_command
from leadsportal.agencies.models import Agency
agency, client_id, base_url, username = sys.argv[1:5]
call_command("migrate", interactive=False, verbosity=0)
call_command("create_agency", agency, client_id=client_id, base_url=base_url)
call_command("create_member", username, agency=agency, role="agent")
print(Agency.objects.get(name=agency).pk)
"""

# The other agencies of measurement 3, all at once (create_agency 499 times would cost 499
# Django start-ups). Run without REDIS_URL and with a throwaway Huey file: the backfill each
# new agency enqueues is never run, so it does not compete with the polls being measured.
SCALE_CODE = """
import sys
import django
django.setup()
from leadsportal.agencies.services import agency_upsert
prefix, base_url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in range(1, count + 1):
    agency_upsert(name=f"{prefix}{n:03d}", client_id=f"bench-{n:03d}",
                  client_secret=f"bench-secret-{n:03d}", base_url=base_url)
"""


def sandbox_clients(count: int) -> str:
    others = [f"bench-{n:03d}:bench-secret-{n:03d}" for n in range(1, count)]
    return ",".join([f"{CLIENT_ID}:{CLIENT_SECRET}", *others])


def run_python(env: dict[str, str], args: list[str], **extra: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=dict(env, **extra), capture_output=True,
        text=True, check=False, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"python {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def setup_env(tmp: Path, sandbox_port: int, database_url: str, redis_url: str) -> dict[str, str]:
    env = make_base_env(tmp, sandbox_port, 50)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        LEADS_SANDBOX_CLIENTS=sandbox_clients(500),
        LEADS_SANDBOX_RATE_LIMIT="1000000",  # the list-page loads would hit the contract's 50/s
        LEADS_SANDBOX_LATENCY_MS=str(LATENCY_MS),
        LEADS_TASKS_SQLITE=str(tmp / "unused-tasks.sqlite3"),
        LOG_LEVEL="WARNING",
    )
    return env


def start_sandbox(live: Live) -> None:
    command = [
        sys.executable, "-m", "gunicorn", "leadsportal.wsgi", "--bind",
        f"{HOST}:{live.sandbox.port}", "--workers", "1", "--threads", "32", "--timeout", "60",
        "--worker-tmp-dir", "/dev/shm", "--no-control-socket", "--error-logfile", "-",
    ]  # fmt: skip
    live.sandbox.start(command, live.env, "/sandbox/_control/stats")


# --- 1. Lead to screen -------------------------------------------------------------------

# The page stamps when its SSE stream opens; the wait returns Date.now() as soon as the title
# shows the expected count (polled on every animation frame).
INIT_SCRIPT = """
window.__sseOpen = 0;
document.addEventListener("htmx:sseOpen", () => { window.__sseOpen += 1; });
"""
TITLE_AT = "n => document.title.startsWith('(' + n + ') ') ? Date.now() : false"


def new_context(live: Live, browser: Any) -> Any:
    context = browser.new_context(extra_http_headers=PROXY_HEADERS, locale="fr-FR")
    context.add_cookies(live.browser_cookies())
    context.add_init_script(INIT_SCRIPT)
    return context


def open_page(context: Any, url: str) -> Any:
    page = context.new_page()
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        raise SystemExit(f"{url}: HTTP {response.status if response else '?'} in the browser")
    page.wait_for_function("() => window.__sseOpen > 0", timeout=15_000)
    return page


def measure_lead_to_screen(live: Live, browser: Any, detail_url: str) -> dict[str, Any]:
    count = live.args.leads
    context = new_context(live, browser)
    page = open_page(context, detail_url)
    rng = random.Random(12)
    samples = []
    for number in range(1, count + 1):
        time.sleep(rng.uniform(0, INTERVAL))
        lead_id, added = live.add_lead()
        handle = page.wait_for_function(TITLE_AT, arg=number, timeout=40_000, polling="raf")
        shown = float(handle.json_value()) / 1000
        samples.append({"lead_id": lead_id, "added": added, "shown": shown})
        say(f"  lead {number}/{count}: on screen after {shown - added:.2f} s")
    events = dict(
        live.sql(
            "SELECT lead_id, created_at FROM watch_liveevent WHERE agency_id = %s AND kind = %s",
            (live.agency_id, "lead"),
        )
    )
    for sample in samples:
        created = events.get(sample["lead_id"])
        sample["event"] = epoch(created) if created is not None else None
    context.close()
    screen = [s["shown"] - s["added"] for s in samples]
    detection = [s["event"] - s["added"] for s in samples if s["event"]]
    push = [s["shown"] - s["event"] for s in samples if s["event"]]
    return {
        "leads": count,
        "page": "lead detail",
        "seconds": stats_of(screen),
        "detection_seconds": stats_of(detection),
        "push_seconds": stats_of(push),
        "samples_s": [round(value, 3) for value in screen],
    }


# --- 2. Upstream calls of open tabs -------------------------------------------------------


def calls_while_open(live: Live, pages: list[Any], seconds: float) -> dict[str, Any]:
    before = live.api_counts().get(CLIENT_ID, {})
    began = time.monotonic()
    time.sleep(seconds)
    after = live.api_counts().get(CLIENT_ID, {})
    elapsed = time.monotonic() - began
    routes = {r: after.get(r, 0) - before.get(r, 0) for r in set(before) | set(after)}
    searches = routes.get(SEARCH_ROUTE, 0)
    return {
        "tabs": len(pages),
        "seconds": round(elapsed, 1),
        "searches": searches,
        "searches_per_minute": round(searches * 60 / elapsed, 2),
        "all_api_calls": sum(routes.values()),
        "by_route": {r: n for r, n in routes.items() if n},
    }


def measure_open_tabs(live: Live, browser: Any, detail_urls: list[str]) -> dict[str, Any]:
    seconds = live.args.tab_seconds
    out: dict[str, Any] = {"runs": []}
    context = new_context(live, browser)
    one = [open_page(context, detail_urls[0])]
    time.sleep(2)  # the page's own fetches (tab counts) are over
    say(f"  1 tab open for {seconds:.0f} s")
    out["runs"].append(calls_while_open(live, one, seconds))
    context.close()
    # One browser context (profile) per tab: over plain HTTP/1.1 Chromium keeps at most 6
    # connections per host and profile, each open page's stream holds one, so a 7th tab of one
    # profile never loads. Behind the production proxy (HTTP/2) tabs share one connection.
    contexts = [new_context(live, browser) for _ in range(live.args.tabs)]
    pages = []
    for number, context in enumerate(contexts):
        url = (
            detail_urls[number % len(detail_urls)]
            if number % 2 == 0
            else live.dashboard.url + "/leads/"
        )
        pages.append(open_page(context, url))
    time.sleep(2)
    say(f"  {len(pages)} tabs open for {seconds:.0f} s")
    out["runs"].append(calls_while_open(live, pages, seconds))
    # And each of the tabs learns of one new lead.
    _, added = live.add_lead()
    shown = []
    for page in pages:
        with contextlib.suppress(Exception):
            handle = page.wait_for_function(TITLE_AT, arg=1, timeout=20_000, polling="raf")
            shown.append(float(handle.json_value()) / 1000 - added)
    out["new_lead_in_all_tabs"] = {"tabs": len(pages), "shown": len(shown), **stats_of(shown)}
    for context in contexts:
        context.close()
    return out


# --- 3. One worker, 500 agencies ------------------------------------------------------------


def scale_agencies(live: Live, count: int) -> list[int]:
    env = {k: v for k, v in live.env.items() if k != "REDIS_URL"}
    run_python(env, ["-c", SCALE_CODE, SCALE_PREFIX, f"{live.sandbox.url}/sandbox", str(count)])
    rows = live.sql("SELECT id FROM agencies_agency WHERE client_secret_encrypted <> ''")
    return sorted(int(row[0]) for row in rows)


def wait_for_first_plan(live: Live, timeout: float = 100) -> float:
    """The epoch second of the first minute tick's plan (a lease named "plan")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = live.sql("SELECT MAX(taken_at) FROM watch_watchlease WHERE name = %s", ("plan",))
        if rows and rows[0][0] is not None:
            taken = epoch(rows[0][0])
            if taken > live.plan_seen_after:
                return taken
        time.sleep(0.5)
    raise SystemExit("no worker planned the polls; see the worker logs")


def poll_run(live: Live, *, workers: int, threads: int | None, seconds: float) -> dict[str, Any]:
    """Run `workers` leads_worker processes for `seconds` of planned polling; what they did."""
    live.flush_redis()  # no task left in the queue by an earlier run
    live.sql("DELETE FROM watch_watchlease")
    live.control(reset_counters=True, latency_ms=LATENCY_MS)
    agency_ids = [
        int(r[0]) for r in live.sql(
            "SELECT id FROM agencies_agency WHERE client_secret_encrypted <> ''")
    ]  # fmt: skip
    live.plan_seen_after = time.time()
    live.start_workers(workers, threads)
    cpu_start = {w.pid: proc_cpu(w.pid) for w in live.workers}
    plan_at = wait_for_first_plan(live)
    polls_start = dict(live.sql("SELECT agency_id, polls FROM watch_agencywatch"))
    began = time.time()
    cpu_began = {w.pid: proc_cpu(w.pid) for w in live.workers}
    say(f"  first plan at {datetime.fromtimestamp(plan_at, UTC):%H:%M:%S}; polling {seconds:.0f} s")
    time.sleep(seconds)
    ended = time.time()
    cpu = {w.pid: proc_cpu(w.pid) - cpu_began[w.pid] for w in live.workers}
    threads_seen = {w.pid: proc_threads(w.pid) for w in live.workers}
    time.sleep(3)  # the last polls' calls are answered
    live.stop_workers()
    counts = live.api_counts()
    leases = live.sql(
        "SELECT name, slot, holder, taken_at FROM watch_watchlease WHERE name LIKE %s",
        ("poll:%",),
    )
    polls_end = dict(live.sql("SELECT agency_id, polls FROM watch_agencywatch"))
    last_polls = [epoch(r[0]) for r in live.sql("SELECT last_poll_at FROM watch_agencywatch")
                  if r[0] is not None]  # fmt: skip
    # Measured slots: whole slots from one interval after the first plan (the first plan
    # starts polls already due "now") to one interval before the end (late polls land).
    first_slot = int(plan_at) // INTERVAL + 2
    last_slot = int(ended) // INTERVAL - 2
    slots = range(first_slot, last_slot + 1)
    per_pair: Counter[tuple[int, int]] = Counter()
    lateness = []
    holders: Counter[str] = Counter()
    leases_per_agency: Counter[int] = Counter()
    by_slot: defaultdict[int, list[float]] = defaultdict(list)
    for name, slot, holder, taken_at in leases:
        agency_id = int(name.split(":", 1)[1])
        leases_per_agency[agency_id] += 1
        holders[holder.split(":")[1]] += 1  # host:pid:thread
        if first_slot <= slot <= last_slot:
            per_pair[(agency_id, slot)] += 1
            due = slot * INTERVAL + poll_offset(agency_id, INTERVAL)
            lateness.append(epoch(taken_at) - due)
            by_slot[slot].append(epoch(taken_at) - due)
    expected = len(agency_ids) * len(slots)
    polled = sum(1 for a in agency_ids for s in slots if per_pair[(a, s)])
    searches = {client: routes.get(SEARCH_ROUTE, 0) for client, routes in counts.items()}
    client_of = dict(live.sql("SELECT id, client_id FROM agencies_agency"))
    extra_searches = {}
    for agency_id in agency_ids:
        client = client_of[agency_id]
        surplus = searches.get(client, 0) - leases_per_agency[agency_id]
        if surplus > 0:
            extra_searches[client] = surplus
    polls_delta = sum(polls_end.get(a, 0) - polls_start.get(a, 0) for a in agency_ids)
    window = ended - began
    return {
        "workers": workers,
        "threads_per_worker": threads or 16,
        "agencies": len(agency_ids),
        "measured_slots": len(slots),
        "pairs_expected": expected,
        "pairs_polled": polled,
        "share_polled": round(polled / expected, 4) if expected else 0.0,
        "lateness_s": stats_of(lateness, 3),
        "lateness_p95_by_slot_s": [
            round(percentile(by_slot[slot], 0.95), 2) for slot in slots if by_slot[slot]
        ],
        "polls_per_second": round(polls_delta / window, 1),
        "polls_per_second_needed": round(len(agency_ids) / INTERVAL, 1),
        "oldest_last_poll_age_s": round(ended - min(last_polls), 1) if last_polls else None,
        "worker_cpu_share_of_one_core": {
            str(pid): round(value / window, 2) for pid, value in cpu.items()
        },
        "worker_cpu_seconds_before_first_plan": {
            str(pid): round(cpu_began[pid] - cpu_start[pid], 1) for pid in cpu_start
        },
        "worker_threads_seen": {str(pid): n for pid, n in threads_seen.items()},
        "polls_by_process": dict(holders),
        "leases": len(leases),
        "searches": sum(searches.values()),
        "pairs_leased_twice": sum(1 for n in per_pair.values() if n > 1),
        "clients_with_more_searches_than_leases": len(extra_searches),
        "extra_searches": sum(extra_searches.values()),
        "token_requests_note": "searches counted by the sandbox, per client, whole run",
    }


def keeps_up(run: dict[str, Any]) -> bool:
    return run["share_polled"] >= 0.99 and run["lateness_s"].get("p95", 99) <= 2.0


def measure_scale(live: Live) -> dict[str, Any]:
    ids = scale_agencies(live, 499)
    say(f"  {len(ids)} agencies with credentials; one worker, {live.args.scale_seconds:.0f} s")
    out: dict[str, Any] = {"agencies": len(ids), "latency_ms": LATENCY_MS, "one_worker": []}
    for threads in live.args.thread_steps:
        run = poll_run(live, workers=1, threads=threads, seconds=live.args.scale_seconds)
        out["one_worker"].append(run)
        say(
            f"  1 worker x {run['threads_per_worker']} threads: {run['share_polled']:.1%} polled,"
            f" lateness p50 {run['lateness_s'].get('p50')} s p95 {run['lateness_s'].get('p95')}"
            f" s, CPU {run['worker_cpu_share_of_one_core']}"
        )
        if keeps_up(run):
            break
    say(f"  two workers, {live.args.two_seconds:.0f} s")
    out["two_workers"] = poll_run(live, workers=2, threads=None, seconds=live.args.two_seconds)
    two = out["two_workers"]
    say(
        f"  2 workers: {two['share_polled']:.1%} polled, polls by process {two['polls_by_process']}"
        f", {two['extra_searches']} searches without their own lease"
    )
    # Measurement 4 wants the main agency alone: the others lose their credentials.
    live.sql(
        "UPDATE agencies_agency SET client_secret_encrypted = '' WHERE name LIKE %s",
        (SCALE_PREFIX + "%",),
    )
    return out


# --- 4. 1,000 open streams ------------------------------------------------------------------


def list_latency(live: Live, count: int, concurrency: int) -> dict[str, Any]:
    cookie = live.cookie_header()
    url = live.dashboard.url + "/leads/"
    local = threading.local()
    errors = Counter()

    def one(_: int) -> float | None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update({**PROXY_HEADERS, "Cookie": cookie})
        began = time.perf_counter()
        try:
            response = local.session.get(url, timeout=30)
        except requests.RequestException as error:
            errors[type(error).__name__] += 1
            return None
        elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            errors[f"HTTP {response.status_code}"] += 1
            return None
        return elapsed

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(10)))  # warm-up
        samples = [v for v in pool.map(one, range(count)) if v is not None]
    return {"requests": count, "concurrency": concurrency, "ms": stats_of(samples, 1),
            "errors": dict(errors)}  # fmt: skip


async def _stream(
    number: int, port: int, path: str, cookie: str, state: dict[str, Any], gate: asyncio.Semaphore
) -> None:
    try:
        async with gate:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 30)
            writer.write(
                (
                    f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {cookie}\r\n"
                    "X-Forwarded-Proto: https\r\nAccept: text/event-stream\r\n\r\n"
                ).encode()
            )
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), 60)
            while await asyncio.wait_for(reader.readline(), 60) not in (b"\r\n", b""):
                pass  # the response headers
        code = status.split(b" ")[1].decode() if b" " in status else "none"
        if code != "200":
            state["status"][code] += 1
            writer.close()
            return
        state["status"]["200"] += 1
        state["open"] += 1
        tail = b""
        while True:
            data = await reader.read(65536)
            if not data:
                break
            state["bytes"] += len(data)
            if number not in state["got"]:
                if b"event: lead" in tail + data:
                    state["got"][number] = time.time()
                tail = data[-32:]
        state["open"] -= 1
        state["closed"] += 1
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as error:
        state["status"][type(error).__name__] += 1


async def _sse_client(port: int, path: str, count: int) -> None:
    """Child process: hold `count` streams; on stdin "report" print what they received."""
    cookie = os.environ["BENCH_COOKIE"]
    state: dict[str, Any] = {"status": Counter(), "open": 0, "closed": 0, "got": {}, "bytes": 0}
    gate = asyncio.Semaphore(50)
    began = time.time()
    tasks = [asyncio.create_task(_stream(n, port, path, cookie, state, gate)) for n in range(count)]
    while sum(state["status"].values()) < count and time.time() - began < 240:
        await asyncio.sleep(0.2)
    print(json.dumps({"ready": True, "seconds": round(time.time() - began, 1),
                      "status": state["status"], "open": state["open"]}), flush=True)  # fmt: skip
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip() == "quit":
            break
        print(json.dumps({"open": state["open"], "closed": state["closed"],
                          "status": state["status"], "bytes": state["bytes"],
                          "got": sorted(state["got"].values())}), flush=True)  # fmt: skip
    for task in tasks:
        task.cancel()


def db_connections(conn: Any) -> int | None:
    """Connections to the app's database (PostgreSQL), on a connection opened beforehand."""
    if conn is None:
        return None
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'leadsportal'"
    return int(conn.execute(query).fetchone()[0])


def web_workers(live: Live) -> list[int]:
    return children(live.dashboard.proc.pid) if live.dashboard.proc else []


def measure_streams(live: Live) -> dict[str, Any]:
    count = live.args.streams
    live.control(latency_ms=0)  # the server's own cost shows best without upstream latency
    out: dict[str, Any] = {"streams": count, "list_latency_ms_upstream": 0,
                           "web_processes": 2}  # fmt: skip
    base = list_latency(live, live.args.list_requests, 4)
    out["lists_without_streams"] = base
    say(f"  lists without streams: p50 {base['ms'].get('p50')} ms, p95 {base['ms'].get('p95')} ms")
    after = live.sql("SELECT COALESCE(MAX(id), 0) FROM watch_liveevent")[0][0]
    counter = None
    if live.database_url.startswith("postgres"):
        import psycopg

        counter = psycopg.connect(live.database_url, autocommit=True)
    out["db_connections_before_streams"] = db_connections(counter)
    client = subprocess.Popen(
        [sys.executable, __file__, "--sse-client", "--port", str(live.dashboard.port),
         "--streams", str(count), "--path", f"/direct/evenements/?after={after}"],
        cwd=ROOT, env=dict(os.environ, BENCH_COOKIE=live.cookie_header()),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert client.stdin and client.stdout
    try:
        ready = json.loads(client.stdout.readline() or "{}")
        out["connect"] = ready
        say(f"  streams: {ready}")
        time.sleep(3)
        out["db_connections_with_streams"] = db_connections(counter)
        if ready["status"].get("200", 0) < count:
            say("  not every stream opened: the rest of this run is skipped")
            out["failed"] = True
            return out
        out["web_threads_with_streams"] = {str(p): proc_threads(p) for p in web_workers(live)}
        loaded = list_latency(live, live.args.list_requests, 4)
        out["lists_with_streams"] = loaded
        say(
            f"  lists with streams: p50 {loaded['ms'].get('p50')} ms, p95 "
            f"{loaded['ms'].get('p95')} ms ({loaded['errors'] or 'no errors'})"
        )
        client.stdin.write("report\n")
        client.stdin.flush()
        before_lead = json.loads(client.stdout.readline())
        lead_id, added = live.add_lead()
        time.sleep(live.args.event_wait)
        client.stdin.write("report\n")
        client.stdin.flush()
        report = json.loads(client.stdout.readline())
        got = [t - added for t in report["got"]]
        out["open_before_lead"] = before_lead["open"]
        out["open_after_lead"] = report["open"]
        out["closed_by_server"] = report["closed"]
        out["received_within_15s"] = sum(1 for t in got if t <= 15)
        out["received_s"] = stats_of(got)
        out["fan_out_spread_s"] = round(max(got) - min(got), 3) if got else None
        say(
            f"  lead {lead_id}: {out['received_within_15s']}/{count} streams got it within 15 s"
            f" (first {min(got, default=0):.2f} s, last {max(got, default=0):.2f} s)"
        )
        client.stdin.write("quit\n")
        client.stdin.flush()
        client.wait(timeout=30)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait(timeout=10)
        if counter is not None:
            counter.close()
    return out


# --- Report -------------------------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    checks = []
    screen = results.get("lead_to_screen")
    if screen:
        s = screen["seconds"]
        checks.append(("lead to screen p50 ≤ 6 s", f"{s['p50']:.2f} s", s["p50"] <= 6))
        checks.append(("lead to screen p95 ≤ 12 s", f"{s['p95']:.2f} s", s["p95"] <= 12))
    tabs = results.get("open_tabs")
    if tabs:
        one, many = tabs["runs"]
        checks.append(
            (
                f"upstream calls, {many['tabs']} tabs = 1 tab (searches/min)",
                f"{one['searches_per_minute']:g} vs {many['searches_per_minute']:g}; all calls "
                f"{one['all_api_calls']} vs {many['all_api_calls']}",
                abs(one["searches"] - many["searches"]) <= 1
                and many["all_api_calls"] == many["searches"],
            )
        )
    scale = results.get("scale")
    if scale:
        run = scale["one_worker"][0]
        checks.append(
            (
                f"1 worker x {run['threads_per_worker']} threads keeps 10 s for "
                f"{run['agencies']} agencies (≥ 99% polled, p95 lateness ≤ 2 s)",
                f"{run['share_polled']:.1%}, p95 {run['lateness_s'].get('p95')} s",
                keeps_up(run),
            )
        )
        two = scale["two_workers"]
        checks.append(
            (
                "2 workers: no agency polled twice in a slot",
                f"{two['extra_searches']} extra searches, {two['pairs_leased_twice']} pairs "
                f"leased twice; polls by process {sorted(two['polls_by_process'].values())}",
                two["extra_searches"] == 0 and two["pairs_leased_twice"] == 0,
            )
        )
    failed = results.get("streams_failed_run")
    if failed:
        opened = failed["connect"]["status"].get("200", 0)
        checks.append(
            (
                f"{failed['streams']:,} streams open with PostgreSQL's max_connections="
                f"{failed['pg_max_connections']}",
                f"{opened:,} opened, answers {dict(failed['connect']['status'])}",
                opened == failed["streams"],
            )
        )
    streams = results.get("streams")
    if streams and not streams.get("failed"):
        base = streams["lists_without_streams"]["ms"]
        loaded = streams["lists_with_streams"]["ms"]
        checks.append(
            (
                f"{streams['streams']:,} streams all receive a new lead within 15 s",
                f"{streams['received_within_15s']:,} / {streams['streams']:,}",
                streams["received_within_15s"] == streams["streams"],
            )
        )
        if base.get("n") and loaded.get("n"):
            ratio = loaded["p95"] / base["p95"]
            checks.append(
                (
                    "list p95 with the streams ≤ 1.5 x without",
                    f"{loaded['p95']:.1f} / {base['p95']:.1f} ms = {ratio:.2f}",
                    ratio <= 1.5 and not streams["lists_with_streams"]["errors"],
                )
            )
    return checks


def markdown(results: dict[str, Any]) -> str:
    lines = []
    screen = results.get("lead_to_screen")
    if screen:
        lines += [
            "| lead to screen (lead detail page, Chromium), s | p50 | p95 | min | max |",
            "|---|---|---|---|---|",
        ]
        for key, label in (
            ("seconds", f"add → title count, {screen['leads']} leads"),
            ("detection_seconds", "add → live event written (the poll)"),
            ("push_seconds", "live event → title count (feed + stream + page)"),
        ):
            s = screen[key]
            if s.get("n"):
                lines.append(f"| {label} | {s['p50']:.2f} | {s['p95']:.2f} | {s['min']:.2f} "
                             f"| {s['max']:.2f} |")  # fmt: skip
        lines.append("")
    tabs = results.get("open_tabs")
    if tabs:
        lines += [
            "| open tabs of the agency | window | searches (watcher) | per minute "
            "| all upstream calls |",
            "|---|---|---|---|---|",
        ]
        for run in tabs["runs"]:
            lines.append(
                f"| {run['tabs']} | {run['seconds']:.0f} s | {run['searches']} "
                f"| {run['searches_per_minute']:g} | {run['all_api_calls']} |"
            )
        seen = tabs["new_lead_in_all_tabs"]
        lines += [
            "",
            f"A lead added with the {seen['tabs']} tabs open showed in {seen['shown']} "
            f"of them (p50 {seen.get('p50', '—')} s, max {seen.get('max', '—')} s).",
            "",
        ]
    scale = results.get("scale")
    if scale:
        lines += [
            f"| {scale['agencies']} agencies, {scale['latency_ms']} ms upstream | slots "
            "| polled | lateness p50 / p95 / max s | polls/s (needed) | worker CPU (1 core = 1) |",
            "|---|---|---|---|---|---|",
        ]
        for run in [*scale["one_worker"], scale["two_workers"]]:
            late = run["lateness_s"]
            cpu = " + ".join(f"{v:.2f}" for v in run["worker_cpu_share_of_one_core"].values())
            lines.append(
                f"| {run['workers']} worker(s) x {run['threads_per_worker']} threads "
                f"| {run['measured_slots']} | {run['share_polled']:.1%} "
                f"| {late.get('p50', '—')} / {late.get('p95', '—')} / {late.get('max', '—')} "
                f"| {run['polls_per_second']} ({run['polls_per_second_needed']}) | {cpu} |"
            )
        two = scale["two_workers"]
        lines += [
            "",
            f"Two workers: polls by process {sorted(two['polls_by_process'].values())}; "
            f"{two['searches']:,} searches for {two['leases']:,} poll leases; "
            f"{two['clients_with_more_searches_than_leases']} clients with more searches than "
            f"leases; {two['pairs_leased_twice']} (agency, slot) pairs leased twice.",
            "",
        ]
    failed = results.get("streams_failed_run")
    streams = results.get("streams")
    if failed:
        lines += [
            f"With PostgreSQL's max_connections={failed['pg_max_connections']}: of "
            f"{failed['streams']:,} streams, answers {dict(failed['connect']['status'])}; "
            f"database connections {failed['db_connections_before_streams']} before, "
            f"{failed['db_connections_with_streams']} with the streams open. Each open stream "
            "holds a database connection for its whole life; the run below had "
            f"max_connections={streams['pg_max_connections'] if streams else '?'}.",
            "",
        ]
    streams = results.get("streams")
    if streams and not streams.get("failed"):
        base, loaded = streams["lists_without_streams"], streams["lists_with_streams"]
        lines += [
            f"| list page /leads/, {base['requests']} requests, concurrency "
            f"{base['concurrency']}, 0 ms upstream | p50 ms | p95 ms | errors |",
            "|---|---|---|---|",
            f"| without streams | {base['ms'].get('p50')} | {base['ms'].get('p95')} "
            f"| {sum(base['errors'].values())} |",
            f"| with {streams['streams']:,} open streams | {loaded['ms'].get('p50')} "
            f"| {loaded['ms'].get('p95')} | {sum(loaded['errors'].values())} |",
            "",
            f"Streams: {streams['connect'].get('status')} answers in "
            f"{streams['connect'].get('seconds')} s; {streams['open_before_lead']:,} open when "
            f"the lead was added; {streams['received_within_15s']:,} received it within 15 s "
            f"(p50 {streams['received_s'].get('p50', '—')} s, spread first→last "
            f"{streams['fan_out_spread_s']} s); database connections while they were open: "
            f"{streams['db_connections_with_streams']}; threads of the web processes: "
            f"{streams['web_threads_with_streams']}.",
        ]
    return "\n".join(lines)


def print_report(results: dict[str, Any]) -> None:
    print()
    print(markdown(results))
    print()
    for name, value, met in targets(results):
        print(f"{'MET    ' if met else 'NOT MET'}  {name}: {value}")


BEGIN = "<!-- bench:live:begin (bench/live_bench.py --write-docs rewrites this block) -->"
END = "<!-- bench:live:end -->"
SECTION = "## Real time (issue 12)"
INTRO = """How fast a new lead reaches an open page, what open pages cost upstream, how many agencies
one worker polls on time, and how many open pages one web box holds (issue 12).

```sh
uv run python bench/live_bench.py               # full run (about 20 min on 2 cores)
uv run python bench/live_bench.py --quick       # shorter windows and fewer leads
uv run python bench/live_bench.py --write-docs  # also rewrites the generated block below
```

Everything runs on loopback in processes the script starts and stops: a throwaway PostgreSQL
cluster (SQLite if PostgreSQL is not installed), a redis-server (cache, sessions, Huey's queue),
the sandbox under its own gunicorn (one process, 32 threads; 500 clients × 50 leads; 100 ms
added latency unless said), the dashboard as `bin/serve` runs it (gunicorn + uvicorn workers,
ASGI, 2 processes, production settings) and `manage.py leads_worker` in its own process(es).
The browser is Debian's Chromium through Playwright, logged in with the session of a form login.
See the script's docstring for the method of each measurement. All processes share the same
2 CPUs, so the machine is noisy: read medians and ratios, not single values."""


def write_docs(results: dict[str, Any]) -> None:
    m = results["machine"]
    block = "\n".join([
        BEGIN,
        f"Measured {results['date']} on {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, "
        f"Python {m['python']}, database {results['database']}; command: "
        f"`{results['command']}`; load average at start {results['load_average_at_start']}.",
        "",
        markdown(results),
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *(f"| {n} | {v} | {'yes' if ok else '**no**'} |" for n, v, ok in targets(results)),
        END,
    ])  # fmt: skip
    text = DOCS.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{INTRO}\n\n{block}\n"
    DOCS.write_text(text, encoding="utf-8")


# --- Main ---------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter windows, fewer leads")
    parser.add_argument("--only", default="1,2,3,4", help="measurements to run, e.g. 1,2")
    parser.add_argument("--leads", type=int, help="leads of measurement 1 (20)")
    parser.add_argument("--tabs", type=int, default=20, help="tabs of measurement 2 (20)")
    parser.add_argument("--tab-seconds", type=float, help="how long tabs stay open (60)")
    parser.add_argument("--scale-seconds", type=float, help="one-worker polling window (180)")
    parser.add_argument("--two-seconds", type=float, help="two-worker polling window (120)")
    parser.add_argument(
        "--thread-steps", default="16,64", help="worker threads to try until one keeps up"
    )
    parser.add_argument("--streams", type=int, default=1000, help="open event streams (1000)")
    parser.add_argument("--list-requests", type=int, help="list page requests per run (200)")
    parser.add_argument("--event-wait", type=float, default=16.0, help="seconds (16)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if PostgreSQL is here")
    parser.add_argument(
        "--pg-max-connections", type=int, default=100, help="PostgreSQL's (its default: 100)"
    )
    parser.add_argument("--write-docs", action="store_true", help="refresh docs/BENCHMARKS.md")
    parser.add_argument("--keep-tmp", action="store_true", help="keep logs and databases")
    parser.add_argument("--hold", type=float, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--sse-client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    quick = args.quick
    defaults = {
        "leads": 8 if quick else 20,
        "tab_seconds": 30.0 if quick else 60.0,
        "scale_seconds": 70.0 if quick else 180.0,
        "two_seconds": 60.0 if quick else 120.0,
        "list_requests": 60 if quick else 200,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.only = {int(part) for part in args.only.split(",") if part.strip()}
    args.thread_steps = [int(part) for part in args.thread_steps.split(",") if part.strip()]
    return args


@contextlib.contextmanager
def owned(live: Live, pg: Postgres | None) -> Iterator[None]:
    try:
        yield
    finally:
        live.stop_workers()
        live.dashboard.stop()
        live.sandbox.stop()
        live.redis.stop()
        if pg is not None:
            pg.stop()


def main() -> int:
    args = parse_args()
    if args.sse_client:
        asyncio.run(_sse_client(args.port, args.path, args.streams))
        return 0
    started = time.monotonic()

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # the processes this script started are stopped on the way out

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = Path(tempfile.mkdtemp(prefix="leadsportal-live-"))
    have_pg = (PG_BIN / "initdb").exists() and not args.sqlite
    pg = Postgres(tmp, args.pg_max_connections) if have_pg else None
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("redis-server is required (Huey's queue shared by two workers)")
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "uv run python " + " ".join(["bench/live_bench.py", *sys.argv[1:]]),
        "machine": machine(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "watch_interval_s": INTERVAL,
        "upstream_latency_ms": LATENCY_MS,
    }
    sandbox = Server("sandbox", free_port(), tmp / "sandbox.log")
    dashboard = Server("dashboard", free_port(), tmp / "dashboard.log")
    redis = Server("redis", free_port(), tmp / "redis.log")
    live = Live(args, tmp, {}, sandbox, dashboard, redis, "", f"redis://{HOST}:{redis.port}/0")
    try:
        with owned(live, pg):
            live.database_url = pg.start() if pg else f"sqlite:///{tmp / 'live.sqlite3'}"
            results["database"] = "PostgreSQL 15" if pg else "SQLite"
            redis.start(
                [redis_server, "--bind", HOST, "--port", str(redis.port), "--save", "",
                 "--appendonly", "no"], dict(os.environ), None,
            )  # fmt: skip
            live.env = setup_env(tmp, sandbox.port, live.database_url, live.redis_url)
            if not static_manifest_is_fresh():
                say("collectstatic")
                run_python(live.env, ["manage.py", "collectstatic", "--noinput", "-v", "0"])
            say(f"migrate, agency, member ({results['database']})")
            setup_env_no_redis = {k: v for k, v in live.env.items() if k != "REDIS_URL"}
            out = run_python(
                setup_env_no_redis,
                ["-c", SETUP_CODE, AGENCY, CLIENT_ID, f"{sandbox.url}/sandbox", USERNAME],
                LEADS_CLIENT_SECRET=CLIENT_SECRET, LEADSPORTAL_PASSWORD=PASSWORD,
            )  # fmt: skip
            live.agency_id = int(out.strip().splitlines()[-1])
            start_sandbox(live)
            live.start_dashboard()
            live.login()
            lead_ids = live.lead_ids_on_list()
            if not lead_ids:
                raise SystemExit("the list page shows no lead to open")
            detail_urls = [f"{dashboard.url}/lead/{lead_id}/" for lead_id in lead_ids[:10]]
            if args.hold:  # debugging: the stack stays up until this process is interrupted
                print(
                    json.dumps(
                        {
                            "dashboard": dashboard.url,
                            "sandbox": sandbox.url,
                            "cookie": live.cookie_header(),
                            "detail": detail_urls[0],
                            "database": live.database_url,
                            "tmp": str(tmp),
                        }
                    ),
                    flush=True,
                )
                with contextlib.suppress(KeyboardInterrupt):
                    time.sleep(args.hold)
            if args.only & {1, 2}:
                say("worker started; waiting for its first polls (next minute boundary)")
                live.start_workers(1)
                live.wait_for_polls(live.agency_id, 2)
                from playwright.sync_api import sync_playwright

                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
                    )
                    if 1 in args.only:
                        say(f"1. lead to screen, {args.leads} leads")
                        results["lead_to_screen"] = measure_lead_to_screen(
                            live, browser, detail_urls[0]
                        )
                    if 2 in args.only:
                        say("2. upstream calls with 1 and with 20 open tabs")
                        results["open_tabs"] = measure_open_tabs(live, browser, detail_urls)
                    browser.close()
            if 3 in args.only:
                live.stop_workers()
                live.dashboard.stop()  # the worker alone on the CPUs, as on its own host
                say("3. 500 agencies, 100 ms upstream")
                results["scale"] = measure_scale(live)
            if 4 in args.only:
                say(f"4. {args.streams} open streams")
                live.start_dashboard()  # fresh processes: --max-requests counts every stream
                live.login()
                live.start_workers(1)
                live.wait_for_polls(live.agency_id, 2)
                results["streams"] = measure_streams(live)
                if results["streams"].get("failed") and pg is not None:
                    # Each open stream holds a database connection (see the report): again
                    # with room for them, to measure the rest.
                    results["streams_failed_run"] = results.pop("streams")
                    results["streams_failed_run"]["pg_max_connections"] = pg.max_connections
                    live.stop_workers()
                    live.dashboard.stop()
                    pg.restart(args.streams + 200)
                    say(f"  again with PostgreSQL max_connections={pg.max_connections}")
                    live.start_dashboard()
                    live.login()
                    live.start_workers(1)
                    live.wait_for_polls(live.agency_id, 1)
                    results["streams"] = measure_streams(live)
                if pg is not None:
                    results["streams"]["pg_max_connections"] = pg.max_connections
            results["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
            results["duration_s"] = round(time.monotonic() - started, 1)
    finally:
        if args.keep_tmp:
            say(f"logs and databases kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / ("live-quick.json" if args.quick else "live.json")
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_report(results)
    if args.write_docs:
        write_docs(results)
        say(f"wrote {DOCS.relative_to(ROOT)}")
    say(f"done in {results['duration_s']:.0f} s; results in {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
