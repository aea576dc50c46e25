"""Benchmark of the dashboard's lead lists against the raw upstream call (issue 7).

    uv run python bench/run.py            # the full run (5–12 minutes on 2 cores)
    uv run python bench/run.py --quick    # the same steps with fewer requests, under a minute
    uv run python bench/run.py --write-docs   # also refresh the table in docs/BENCHMARKS.md

Everything runs on loopback, in processes this script starts and stops itself:
- the sandbox (the fake GSL API) under its own gunicorn: ONE worker with threads, because its
  counters and knobs live in that process; it never shares the dashboard's workers;
- optionally a redis-server (if one is installed) for the dashboard's shared cache;
- the dashboard as production runs it: `bin/serve` (gunicorn, 2 workers x 4 threads, gthread,
  --max-requests 1000), LEADSPORTAL_ENV=production, a throwaway SQLite database, generated
  secrets, its agency pointed at the sandbox; requests carry X-Forwarded-Proto: https as the
  reverse proxy's would.

Measured, for the All tab and the Seller tab at per_page 20 and 100, with the sandbox's added
latency at 0 and 100 ms: the raw upstream call (our LeadsApiClient calling the sandbox with the
criteria the dashboard uses by default: the last 7 days, page 1), the full page and the htmx
partial through the dashboard; medians and p95, ratios, bytes, upstream calls and token
requests per view (counted by the sandbox, and by the dashboard's request log). Then the
throughput of the partial, the token requests per 1,000 views (with the per-process cache and
with Redis), and, in process, database queries per view and a pyinstrument profile
(bench/inprocess.py). Results: bench/results/dashboard.json (dashboard-quick.json) and the profiles beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
DOCS = ROOT / "docs" / "BENCHMARKS.md"
HOST = "127.0.0.1"

CLIENT_ID = "agence-paris-demo"
CLIENT_SECRET = "paris-demo-secret"  # the sandbox's public demo credentials
AGENCY = "Agence Benchmark"
USERNAME = "bench.agent"
PASSWORD = "Bench-Horse-Staple-42"  # a throwaway account in a throwaway database

TABS = {"all": ("/leads/", "ALL"), "seller": ("/leads/vendeurs/", "SELLER")}
PAGE_SIZES = (20, 100)
LATENCIES = (0, 100)
HTMX_HEADERS = {"HX-Request": "true", "HX-Target": "results"}
LIST_ROUTES = {"dashboard:leads", "dashboard:family_leads"}
# Environment of the shell that must not leak into the servers' settings (as in .ci/run).
SETTINGS_VARS = (
    "LEADSPORTAL_ENV",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "LEADSPORTAL_FERNET_KEYS",
    "LEADS_API_BASE_URL",
    "LEADS_API_TOKEN_URL",
    "EMAIL_HOST",
    "DEFAULT_FROM_EMAIL",
    "LEADS_SANDBOX_ENABLED",
    "LEADS_SANDBOX_CONTROL_ENABLED",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "PORT",
    "BIND_ADDRESS",
)


# --- Small helpers ------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": round(statistics.median(values), 2),
        "p95": round(percentile(values, 0.95), 2),
        "mean": round(statistics.fmean(values), 2),
        "min": round(min(values), 2),
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def say(message: str) -> None:
    # UTC: django.setup() in this process switches the local zone to settings.TIME_ZONE.
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def cpu_seconds(pid: int) -> float:
    """CPU time of a process, its live threads, and its children already reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return (utime + stime + cutime + cstime) / ticks


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """A gunicorn master and its workers (exited workers count through the master's cutime)."""
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in children_of(pid))


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, IndexError, ValueError):
        kib = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


# --- Processes ------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, command: list[str], env: dict[str, str], ready_path: str | None) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
        handle.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited at start-up; see {self.log}:\n{self.tail()}")
            if ready_path is None:
                with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 1):
                    return
            else:
                with contextlib.suppress(requests.RequestException):
                    response = requests.get(
                        self.url + ready_path, headers={"X-Forwarded-Proto": "https"}, timeout=2
                    )
                    if response.status_code == 200:
                        return
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{self.name} never became ready; see {self.log}:\n{self.tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # gunicorn: graceful stop of the master and its workers
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log.stat().st_size
        except OSError:
            return 0

    def request_log(self, offset: int) -> list[dict[str, Any]]:
        """The dashboard's request-log lines (JSON) written after `offset`."""
        with self.log.open("rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", "replace")
        entries = []
        for line in text.splitlines():
            if not line.startswith("{"):
                continue
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if entry.get("logger") == "leadsportal.request":
                    entries.append(entry)
        return entries

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.proc.pid) if self.proc else 0.0


@dataclass
class Bench:
    args: argparse.Namespace
    tmp: Path
    base_env: dict[str, str]
    sandbox: Server
    dashboard: Server
    redis: Server | None = None
    redis_url: str = ""
    dashboard_cache: str = ""
    dashboard_log_start: int = 0  # offset of the running dashboard's first log line
    session: requests.Session = field(default_factory=requests.Session)
    results: dict[str, Any] = field(default_factory=dict)

    # Environment ---------------------------------------------------------------------------

    def server_env(self, **extra: str) -> dict[str, str]:
        env = dict(self.base_env)
        env.update(extra)
        return env

    def start_sandbox(self) -> None:
        env = self.server_env(LEADS_SANDBOX_RATE_LIMIT="1000000")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "leadsportal.wsgi",
            "--bind",
            f"{HOST}:{self.sandbox.port}",
            "--workers",
            "1",  # the sandbox's counters live in its process
            "--threads",
            "16",
            "--timeout",
            "60",
            "--worker-tmp-dir",
            "/dev/shm",
            "--no-control-socket",
            "--error-logfile",
            "-",
        ]
        self.sandbox.start(command, env, "/sandbox/_control/stats")

    def start_dashboard(self, *, cache: str) -> None:
        """bin/serve as the container runs it; cache: "redis" or "locmem" (per process)."""
        self.dashboard.stop()
        extra = {
            "PORT": str(self.dashboard.port),
            "BIND_ADDRESS": HOST,
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
        }
        if cache == "redis":
            self.flush_redis()
            extra["REDIS_URL"] = self.redis_url
        self.dashboard_log_start = self.dashboard.log_size()
        self.dashboard.start(["sh", "bin/serve"], self.server_env(**extra), "/healthz")
        self.dashboard_cache = cache

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    # Sandbox control -----------------------------------------------------------------------

    def control(self, **knobs: Any) -> None:
        response = requests.post(self.sandbox.url + "/sandbox/_control", json=knobs, timeout=10)
        response.raise_for_status()

    def stats(self) -> dict[str, int]:
        body = requests.get(self.sandbox.url + "/sandbox/_control/stats", timeout=10).json()
        return {
            "tokens": sum(body["token_requests"].values()),
            "api": sum(sum(routes.values()) for routes in body["api_requests"].values()),
            "rate_limited": sum(body.get("rate_limited", {}).values()),
            "faults": sum(body.get("faults", {}).values()),
        }

    # The dashboard as a person's browser sees it -------------------------------------------

    def secure_cookies_over_loopback(self) -> None:
        # The cookies are Secure (TLS ends at the proxy): send them on this plain loopback hop.
        for cookie in self.session.cookies:
            cookie.secure = False

    def login(self) -> None:
        self.session.headers.update({"X-Forwarded-Proto": "https"})
        page = self.session.get(self.dashboard.url + "/connexion/", timeout=10)
        page.raise_for_status()
        self.secure_cookies_over_loopback()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not match:
            raise SystemExit("no CSRF token on the login page")
        response = self.session.post(
            self.dashboard.url + "/connexion/",
            data={
                "username": USERNAME,
                "password": PASSWORD,
                "csrfmiddlewaretoken": match.group(1),
            },
            headers={"Referer": f"https://{HOST}:{self.dashboard.port}/connexion/"},
            allow_redirects=False,
            timeout=30,
        )
        if response.status_code != 302:
            raise SystemExit(f"login failed: HTTP {response.status_code}")
        self.secure_cookies_over_loopback()

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.session.cookies)

    def view(self, path: str, *, partial: bool) -> tuple[float, bytes]:
        began = time.perf_counter()
        response = self.session.get(
            self.dashboard.url + path, headers=HTMX_HEADERS if partial else None, timeout=30
        )
        elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path} (partial={partial}) answered {response.status_code}")
        return elapsed, response.content

    def load(
        self, path: str, *, threads: int, duration: float, max_requests: int
    ) -> dict[str, Any]:
        command = [
            sys.executable,
            str(BENCH / "load.py"),
            "--port",
            str(self.dashboard.port),
            "--path",
            path,
            "--threads",
            str(threads),
            "--duration",
            str(duration),
            "--max-requests",
            str(max_requests),
            "--header",
            "X-Forwarded-Proto: https",
        ]
        for name, value in HTMX_HEADERS.items():
            command += ["--header", f"{name}: {value}"]
        env = dict(os.environ, BENCH_COOKIE=self.cookie_header())
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=duration + 120, check=False
        )
        if done.returncode != 0:
            raise SystemExit(f"load generator failed:\n{done.stderr}")
        return dict(json.loads(done.stdout))


# --- Setup ----------------------------------------------------------------------------------


def make_base_env(tmp: Path, sandbox_port: int, leads_per_client: int) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARS}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        DJANGO_SETTINGS_MODULE="leadsportal.settings",
        LEADSPORTAL_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
        LEADSPORTAL_FERNET_KEYS=Fernet.generate_key().decode(),
        # Required in production; the benchmark sends no e-mail.
        EMAIL_HOST="smtp.invalid",
        DEFAULT_FROM_EMAIL="bench@example.com",
        # The sandbox is the upstream; production settings refuse plain-HTTP API URLs otherwise.
        LEADS_SANDBOX_ENABLED="1",
        LEADS_SANDBOX_CONTROL_ENABLED="1",  # the harness turns the sandbox's knobs over HTTP
        LEADS_API_BASE_URL=f"http://{HOST}:{sandbox_port}/sandbox",
        LEADS_SANDBOX_LEADS_PER_CLIENT=str(leads_per_client),
        # No TLS on loopback: the requests say X-Forwarded-Proto: https, as the proxy would.
        DJANGO_SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="INFO",
    )
    return env


SETUP_CODE = """
import sys
import django
django.setup()
from django.core.management import call_command
agency, client_id, base_url, username = sys.argv[1:5]
call_command("migrate", interactive=False, verbosity=0)
call_command("create_agency", agency, client_id=client_id, base_url=base_url)
call_command("create_member", username, agency=agency, role="agent")
"""


def run_python(env: dict[str, str], args: list[str], **extra_env: str) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=dict(env, **extra_env),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"python {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def static_manifest_is_fresh() -> bool:
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    return all(path.stat().st_mtime <= built for path in (ROOT / "static").rglob("*"))


def prepare(bench: Bench) -> None:
    env = bench.base_env
    if not static_manifest_is_fresh():
        say("collectstatic (production serves hashed static files from the manifest)")
        run_python(env, ["manage.py", "collectstatic", "--noinput", "-v", "0"])
    say("migrate, create_agency, create_member (throwaway SQLite database)")
    # One process for the three commands: each Django start-up costs a second or two.
    run_python(
        env,
        ["-c", SETUP_CODE, AGENCY, CLIENT_ID, f"{bench.sandbox.url}/sandbox", USERNAME],
        LEADS_CLIENT_SECRET=CLIENT_SECRET,
        LEADSPORTAL_PASSWORD=PASSWORD,
    )


# --- The raw upstream call: our client, in this process, straight to the sandbox ------------


@dataclass
class RawCaller:
    search: Callable[[str, int], int]


def raw_caller(sandbox_url: str, tmp: Path) -> RawCaller:
    """The dashboard's own client and criteria, configured in this process (development
    settings, local-memory token cache), calling the sandbox directly."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="leadsportal.settings",
        LEADSPORTAL_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp / 'harness.sqlite3'}",
        LEADS_API_BASE_URL=f"{sandbox_url}/sandbox",
        DJANGO_DEBUG="0",
        LOG_LEVEL="WARNING",
    )
    for name in ("REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from leadsportal.dashboard.dates import default_start, today_in_paris
    from leadsportal.dashboard.families import TABS_BY_FAMILY
    from leadsportal.dashboard.query import LeadQuery
    from leadsportal.leads_api import LeadFamily, LeadsApiClient, credentials_for

    client = LeadsApiClient(credentials_for(CLIENT_ID, CLIENT_SECRET, f"{sandbox_url}/sandbox"))
    requests_for: dict[int, tuple[Any, Any]] = {}

    def search(family: str, per_page: int) -> int:
        if per_page not in requests_for:
            # The view's own query object with its default dates (the last 7 days), built
            # once: only the call itself is timed.
            query = LeadQuery(
                tab=TABS_BY_FAMILY[LeadFamily[family]],
                start=default_start(),
                end=today_in_paris(),
                per_page=per_page,
            )
            requests_for[per_page] = (query.criteria, query.page_request)
        criteria, page_request = requests_for[per_page]
        return len(client.search(LeadFamily[family], criteria, page_request).leads)

    return RawCaller(search=search)


# --- Measurements ---------------------------------------------------------------------------


def table_rows(html: bytes) -> int:
    body = html.split(b"<tbody>", 1)[-1].split(b"</tbody>", 1)[0]
    return body.count(b"<tr") - body.count(b"table-empty")


def own_ms(logged: list[dict[str, Any]], *, htmx: bool) -> float:
    values = [e["duration_ms"] - e["upstream_ms"] for e in logged if e["htmx"] is htmx]
    return round(statistics.median(values), 2) if values else 0.0


def own_cpu_ms(logged: list[dict[str, Any]], *, htmx: bool) -> float:
    values = [e["cpu_ms"] for e in logged if e["htmx"] is htmx and "cpu_ms" in e]
    return round(statistics.median(values), 2) if values else 0.0


def measure_cell(
    bench: Bench, raw: RawCaller, latency: int, tab: str, per_page: int
) -> dict[str, Any]:
    path, family = TABS[tab]
    url = f"{path}?per_page={per_page}"
    samples: dict[str, list[float]] = {"raw": [], "page": [], "partial": []}
    sizes: dict[str, int] = {}
    rows: dict[str, int] = {}

    raw_cpu: list[float] = []

    def run_raw() -> None:
        began, began_cpu = time.perf_counter(), time.thread_time()
        rows["raw"] = raw.search(family, per_page)
        samples["raw"].append((time.perf_counter() - began) * 1000)
        raw_cpu.append((time.thread_time() - began_cpu) * 1000)

    def run_view(kind: str) -> Callable[[], None]:
        def run() -> None:
            elapsed, body = bench.view(url, partial=kind == "partial")
            expected = b'<section id="results"' if kind == "partial" else b"<!DOCTYPE html>"
            if not body.lstrip().startswith(expected):
                raise SystemExit(f"{url}: the {kind} is not what htmx would get: {body[:80]!r}")
            samples[kind].append(elapsed)
            sizes[kind] = len(body)
            rows[kind] = table_rows(body)

        return run

    steps = [run_raw, run_view("page"), run_view("partial")]
    for _ in range(bench.args.warmup):
        for step in steps:
            step()
    for values in [*samples.values(), raw_cpu]:
        values.clear()
    before = bench.stats()
    log_offset = bench.dashboard.log_size()
    cpu_before = bench.dashboard.cpu_seconds()
    for i in range(bench.args.requests):
        # Rotate the order so that no kind always runs first after a pause.
        for step in steps[i % 3 :] + steps[: i % 3]:
            step()
    dashboard_cpu_s = bench.dashboard.cpu_seconds() - cpu_before
    after = bench.stats()
    time.sleep(0.2)  # let the workers' last log lines land
    logged = [
        entry for entry in bench.dashboard.request_log(log_offset) if entry["route"] in LIST_ROUTES
    ]
    if not rows["raw"] == rows["page"] == rows["partial"]:
        raise SystemExit(f"{tab}/{per_page}: rows differ: {rows}")
    n = bench.args.requests
    dashboard_views = 2 * n
    upstream = after["api"] - before["api"] - n  # minus the raw calls
    cell = {
        "latency_ms": latency,
        "tab": tab,
        "per_page": per_page,
        "rows": rows["page"],
        "raw": summary(samples["raw"]),
        "page": summary(samples["page"]),
        "partial": summary(samples["partial"]),
        "bytes_page": sizes["page"],
        "bytes_partial": sizes["partial"],
        "upstream_calls_per_view": round(upstream / dashboard_views, 3),
        "token_requests_per_view": round((after["tokens"] - before["tokens"]) / dashboard_views, 4),
        "log_views": len(logged),
        "log_upstream_calls_max": max((e["upstream_calls"] for e in logged), default=None),
        "log_upstream_calls_total": sum(e["upstream_calls"] for e in logged),
        "log_token_requests_total": sum(e["token_requests"] for e in logged),
        # Server side, from the request log: the view's own time (total minus upstream).
        "server_own_ms_page": own_ms(logged, htmx=False),
        "server_own_ms_partial": own_ms(logged, htmx=True),
        # The request thread's CPU time, from the request log (median per kind).
        "server_cpu_ms_page": own_cpu_ms(logged, htmx=False),
        "server_cpu_ms_partial": own_cpu_ms(logged, htmx=True),
        "rate_limited": after["rate_limited"] - before["rate_limited"],
        # CPU time, unlike wall time, hardly moves when other work shares the machine.
        "dashboard_cpu_ms_per_view": round(dashboard_cpu_s * 1000 / dashboard_views, 2),
        "raw_client_cpu_ms": round(statistics.median(raw_cpu), 2),
    }
    cell["ratio_page"] = round(cell["page"]["median"] / cell["raw"]["median"], 3)
    cell["ratio_partial"] = round(cell["partial"]["median"] / cell["raw"]["median"], 3)
    cell["overhead_page_ms"] = round(cell["page"]["median"] - cell["raw"]["median"], 2)
    cell["overhead_partial_ms"] = round(cell["partial"]["median"] - cell["raw"]["median"], 2)
    cell["partial_share"] = round(sizes["partial"] / sizes["page"], 3)
    return cell


def measure_matrix(bench: Bench, raw: RawCaller) -> list[dict[str, Any]]:
    cells = []
    for latency in LATENCIES:
        bench.control(latency_ms=latency, reset_counters=True)
        for tab in TABS:
            for per_page in PAGE_SIZES:
                cell = measure_cell(bench, raw, latency, tab, per_page)
                say(
                    f"latency {latency:>3} ms {tab:>6} x{per_page:<3}: raw "
                    f"{cell['raw']['median']:.1f} ms, page {cell['page']['median']:.1f} ms "
                    f"({cell['ratio_page']:.2f}x), partial {cell['partial']['median']:.1f} ms, "
                    f"upstream/view {cell['upstream_calls_per_view']}, CPU page "
                    f"{cell['server_cpu_ms_page']:.1f} ms, partial "
                    f"{cell['server_cpu_ms_partial']:.1f} ms"
                )
                cells.append(cell)
    bench.control(latency_ms=0)
    return cells


def measure_throughput(bench: Bench) -> dict[str, Any]:
    bench.control(latency_ms=0, reset_counters=True)
    path = f"{TABS['all'][0]}?per_page=20"
    bench.load(path, threads=4, duration=1.0, max_requests=50)  # warm-up
    before = bench.stats()
    cpu_before = {
        "dashboard": bench.dashboard.cpu_seconds(),
        "sandbox": bench.sandbox.cpu_seconds(),
    }
    offset = bench.dashboard.log_size()
    result = bench.load(
        path,
        threads=bench.args.load_threads,
        duration=bench.args.throughput_seconds,
        max_requests=bench.args.throughput_max,
    )
    after = bench.stats()
    requests_done = max(result["ok"], 1)
    result["cpu_ms_per_request"] = {
        "dashboard": round(
            (bench.dashboard.cpu_seconds() - cpu_before["dashboard"]) * 1000 / requests_done, 2
        ),
        "sandbox": round(
            (bench.sandbox.cpu_seconds() - cpu_before["sandbox"]) * 1000 / requests_done, 2
        ),
    }
    result["upstream_calls"] = after["api"] - before["api"]
    result["token_requests"] = after["tokens"] - before["tokens"]
    result["rate_limited"] = after["rate_limited"] - before["rate_limited"]
    result["worker_restarts"] = bench.dashboard.log.read_text(errors="replace")[offset:].count(
        "Autorestarting worker"
    )
    result["cache"] = bench.dashboard_cache
    return result


def measure_tokens(bench: Bench, cache: str, views: int) -> dict[str, Any]:
    """Token requests for `views` partial views from a freshly started dashboard."""
    bench.control(latency_ms=0, reset_counters=True)
    offset = bench.dashboard.log_size()
    result = bench.load(
        f"{TABS['all'][0]}?per_page=20",
        threads=bench.args.load_threads,
        duration=120,
        max_requests=views,
    )
    stats = bench.stats()
    time.sleep(0.2)
    logged = [e for e in bench.dashboard.request_log(offset) if e["route"] in LIST_ROUTES]
    return {
        "cache": cache,
        "views": result["ok"],
        "token_requests": stats["tokens"],
        "upstream_calls": stats["api"],
        "token_requests_logged": sum(e["token_requests"] for e in logged),
        "worker_restarts": bench.dashboard.log.read_text(errors="replace")[offset:].count(
            "Autorestarting worker"
        ),
        "errors": result["errors"],
    }


def whole_run_tokens(bench: Bench, cache: str, offset: int) -> dict[str, Any]:
    """Every list view the main dashboard served since it started, from its request log."""
    logged = [e for e in bench.dashboard.request_log(offset) if e["route"] in LIST_ROUTES]
    return {
        "cache": cache,
        "views": len(logged),
        "token_requests": sum(e["token_requests"] for e in logged),
        "upstream_calls": sum(e["upstream_calls"] for e in logged),
        # More than one attempt: a retry (e.g. a keep-alive connection dropped under the call).
        "views_with_retries": sum(1 for e in logged if e["upstream_calls"] > 1),
        "worker_restarts": bench.dashboard.log.read_text(errors="replace")[offset:].count(
            "Autorestarting worker"
        ),
    }


def run_inprocess(bench: Bench) -> dict[str, Any]:
    bench.control(latency_ms=0, reset_counters=True)
    env = bench.server_env(LOG_LEVEL="WARNING")
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "inprocess.py"),
            "--username",
            USERNAME,
            "--out-dir",
            str(bench.args.out),
            "--timing-requests",
            str(bench.args.timing_requests),
            "--profile-requests",
            str(bench.args.profile_requests),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench/inprocess.py failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- Report ---------------------------------------------------------------------------------


def markdown_tables(results: dict[str, Any]) -> str:
    lines = [
        "| latency | tab | per_page | rows | raw median / p95 (ms) | page median / p95 (ms) "
        "| partial median / p95 (ms) | page / raw | partial / raw | page − raw (ms) "
        "| page bytes | partial bytes (share) | upstream calls / view | tokens / view "
        "| CPU ms / view: dashboard (raw client) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in results["cells"]:
        lines.append(
            f"| {c['latency_ms']} ms | {c['tab']} | {c['per_page']} | {c['rows']} "
            f"| {c['raw']['median']:.1f} / {c['raw']['p95']:.1f} "
            f"| {c['page']['median']:.1f} / {c['page']['p95']:.1f} "
            f"| {c['partial']['median']:.1f} / {c['partial']['p95']:.1f} "
            f"| {c['ratio_page']:.2f} | {c['ratio_partial']:.2f} | {c['overhead_page_ms']:.1f} "
            f"| {c['bytes_page']:,} | {c['bytes_partial']:,} ({c['partial_share']:.0%}) "
            f"| {c['upstream_calls_per_view']:g} | {c['token_requests_per_view']:g} "
            f"| {c['dashboard_cpu_ms_per_view']:.1f} ({c['raw_client_cpu_ms']:.1f}) |"
        )
    t = results["throughput"]
    lines += [
        "",
        "| throughput: partial, All tab, per_page=20, 0 ms | value |",
        "|---|---|",
        f"| dashboard | 2 workers x 4 threads (gthread), cache: {t['cache']} |",
        f"| load | {t['threads']} keep-alive connections, {t['elapsed_s']:.1f} s, "
        f"{t['requests']:,} requests |",
        f"| requests per second | **{t['rps']:.1f}** |",
        f"| latency under load median / p95 / p99 | {t['median_ms']:.1f} / {t['p95_ms']:.1f} "
        f"/ {t['p99_ms']:.1f} ms |",
        f"| non-200 / errors / retried | {t['requests'] - t['ok']} / {t['errors']} "
        f"/ {t['retries']} |",
        f"| CPU per request: dashboard / sandbox | {t['cpu_ms_per_request']['dashboard']:.1f} "
        f"/ {t['cpu_ms_per_request']['sandbox']:.1f} ms |",
        f"| upstream calls / token requests during the run | {t['upstream_calls']:,} "
        f"/ {t['token_requests']} |",
        f"| worker restarts (--max-requests) | {t['worker_restarts']} |",
        "",
        "| token requests per 1,000 partial views (fresh start) | views | token requests "
        "| upstream calls | worker restarts |",
        "|---|---|---|---|---|",
    ]
    for tok in results["tokens"]:
        label = "Redis (shared cache)" if tok["cache"] == "redis" else "per-process memory cache"
        lines.append(
            f"| {label} | {tok['views']:,} | **{tok['token_requests']}** "
            f"| {tok['upstream_calls']:,} | {tok['worker_restarts']} |"
        )
    whole = results["tokens_whole_run"]
    lines.append(
        f"| whole run, every list view of the main dashboard ({whole['cache']}; request log) "
        f"| {whole['views']:,} | **{whole['token_requests']}** | {whole['upstream_calls']:,} "
        f"({whole['views_with_retries']} views retried) | {whole['worker_restarts']} |"
    )
    lines += [
        "",
        "| server side, request log, median ms | latency | own time (total − upstream): "
        "page | partial | request thread CPU: page | partial |",
        "|---|---|---|---|---|---|",
    ]
    for c in results["cells"]:
        lines.append(
            f"| {c['tab']} x{c['per_page']} | {c['latency_ms']} ms | {c['server_own_ms_page']:.1f} "
            f"| {c['server_own_ms_partial']:.1f} | {c.get('server_cpu_ms_page', 0):.1f} "
            f"| {c.get('server_cpu_ms_partial', 0):.1f} |"
        )
    timings = results.get("inprocess", {}).get("in_process_ms", {})
    if timings:
        lines += [
            "",
            "| in process (django.test.Client), no profiler, 0 ms | wall median ms "
            "| CPU median ms |",
            "|---|---|---|",
        ]
        for key, value in timings.items():
            lines.append(f"| {key} | {value['wall_ms']:.1f} | {value['cpu_ms']:.1f} |")
    profiles = results.get("inprocess", {}).get("profiles", {})
    if profiles:
        keys = list(profiles)
        buckets = list(profiles[keys[0]]["buckets_ms_per_request"])
        lines += [
            "",
            "| pyinstrument, 0 ms: share of a request's time (nested rows: of which) | "
            + " | ".join(keys)
            + " |",
            "|---" * (len(keys) + 1) + "|",
        ]
        for bucket in buckets:
            cells = []
            for key in keys:
                total = profiles[key]["ms_per_request"] or 1.0
                share = profiles[key]["buckets_ms_per_request"].get(bucket, 0.0) / total
                cells.append(f"{share:.0%}")
            lines.append(f"| {bucket} | " + " | ".join(cells) + " |")
    q = results.get("inprocess", {}).get("queries", [])
    if q:
        lines += [
            "",
            "| database queries per view | first view of a session | steady state |",
            "|---|---|---|",
        ]
        for row in q:
            lines.append(
                f"| {row['tab']} x{row['per_page']} {row['kind']} | {row['queries_first_view']} "
                f"| {row['queries_steady']} |"
            )
    return "\n".join(lines)


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    cells = results["cells"]
    checks = []
    upstream = [c["upstream_calls_per_view"] for c in cells]
    log_max = [c["log_upstream_calls_max"] for c in cells]
    checks.append(
        (
            "upstream calls per list view: exactly 1",
            f"sandbox: {min(upstream):g}–{max(upstream):g} per view; request log: max "
            f"{max(v or 0 for v in log_max)} per view",
            all(v == 1 for v in upstream) and all(v == 1 for v in log_max),
        )
    )
    for tok in [*results["tokens"], results["tokens_whole_run"]]:
        label = tok["cache"] if tok in results["tokens"] else f"whole run, {tok['cache']}"
        checks.append(
            (
                f"token requests per 1,000 page views: 1 ({label})",
                f"{tok['token_requests']} for {tok['views']:,} views",
                # One token per started thousand views: 1 for 1,000 views, 2 for 1,001.
                tok["token_requests"] <= max(1, math.ceil(tok["views"] / 1000)),
            )
        )
    for c in cells:
        if c["latency_ms"] == 100:
            checks.append(
                (
                    f"100 ms latency, {c['tab']} x{c['per_page']}: page median ≤ 1.10 x raw",
                    f"{c['page']['median']:.1f} / {c['raw']['median']:.1f} ms "
                    f"= {c['ratio_page']:.3f}",
                    c["ratio_page"] <= 1.10,
                )
            )
    for c in cells:
        if c["latency_ms"] == 0 and c["per_page"] == 100:
            checks.append(
                (
                    f"0 ms latency, {c['tab']} x100 ({c['rows']} rows): overhead ≤ 15 ms",
                    f"page − raw = {c['overhead_page_ms']:.1f} ms "
                    f"(partial − raw = {c['overhead_partial_ms']:.1f} ms)",
                    c["overhead_page_ms"] <= 15,
                )
            )
    shares = [c["partial_share"] for c in cells]
    checks.append(
        (
            "partial ≤ 40% of the full page's bytes",
            f"{min(shares):.0%}–{max(shares):.0%}",
            max(shares) <= 0.40,
        )
    )
    return checks


def print_report(results: dict[str, Any]) -> None:
    print()
    print(markdown_tables(results))
    print()
    for name, value, met in targets(results):
        print(f"{'MET    ' if met else 'NOT MET'}  {name}: {value}")
    for key, ms in results.get("inprocess", {}).get("in_process_ms", {}).items():
        print(f"in process, no profiler: {key}: {ms['wall_ms']:.1f} ms, CPU {ms['cpu_ms']:.1f} ms")
    profiles = results.get("inprocess", {}).get("profiles", {})
    for key, prof in profiles.items():
        print(f"\nprofile {key}: {prof['ms_per_request']:.1f} ms per request in process")
        for bucket, ms in prof["buckets_ms_per_request"].items():
            print(f"    {ms:7.2f} ms  {bucket}")


BEGIN = "<!-- bench:dashboard:begin (bench/run.py --write-docs rewrites this block) -->"
END = "<!-- bench:dashboard:end -->"


def write_docs(results: dict[str, Any]) -> None:
    m = results["machine"]
    block = "\n".join(
        [
            BEGIN,
            f"Measured {results['date']} on {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, "
            f"Python {m['python']}; command: `{results['command']}`; "
            f"{results['requests']} requests per cell after {results['warmup']} warm-up rounds; "
            f"sandbox: {results['leads_per_client']:,} leads per client.",
            "",
            markdown_tables(results),
            "",
            "| target | measured | met |",
            "|---|---|---|",
            *(
                f"| {name} | {value} | {'yes' if met else '**no**'} |"
                for name, value, met in targets(results)
            ),
            END,
        ]
    )
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    elif "## Dashboard" in text:
        head, rest = text.split("## Dashboard", 1)
        text = head + "## Dashboard\n\n" + block + "\n" + rest
    else:
        text = text.rstrip("\n") + "\n\n## Dashboard\n\n" + block + "\n"
    DOCS.write_text(text, encoding="utf-8")


# --- Main -----------------------------------------------------------------------------------


@contextlib.contextmanager
def servers(bench: Bench) -> Iterator[None]:
    try:
        yield
    finally:
        bench.dashboard.stop()
        bench.sandbox.stop()
        if bench.redis is not None:
            bench.redis.stop()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests: under a minute")
    parser.add_argument("--requests", type=int, help="measured requests per kind and cell (60)")
    parser.add_argument("--warmup", type=int, help="warm-up rounds per cell (5)")
    parser.add_argument("--throughput-seconds", type=float, help="length of the load run (15)")
    parser.add_argument("--throughput-max", type=int, default=20_000, help="request cap")
    parser.add_argument("--load-threads", type=int, default=8, help="load connections (8)")
    parser.add_argument("--token-views", type=int, default=1000, help="views per token count")
    parser.add_argument("--profile-requests", type=int, help="requests per profile (20)")
    parser.add_argument("--timing-requests", type=int, help="in-process timings (20)")
    parser.add_argument("--leads-per-client", type=int, default=10_000)
    parser.add_argument("--no-redis", action="store_true", help="do not start redis-server")
    parser.add_argument("--write-docs", action="store_true", help="refresh docs/BENCHMARKS.md")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    parser.add_argument("--keep-tmp", action="store_true", help="keep logs and database")
    args = parser.parse_args()
    quick = args.quick
    defaults = {
        "requests": 6 if quick else 60,
        "warmup": 1 if quick else 5,
        "throughput_seconds": 3.0 if quick else 15.0,
        # --quick counts queries in process, but neither times nor profiles there.
        "profile_requests": 0 if quick else 20,
        "timing_requests": 0 if quick else 20,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if quick:
        args.token_views = min(args.token_views, 1000)
    return args


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="leadsportal-bench-"))
    sandbox = Server("sandbox", free_port(), tmp / "sandbox.log")
    dashboard = Server("dashboard", free_port(), tmp / "dashboard.log")
    bench = Bench(
        args=args,
        tmp=tmp,
        base_env=make_base_env(tmp, sandbox.port, args.leads_per_client),
        sandbox=sandbox,
        dashboard=dashboard,
    )
    redis_server = None if args.no_redis else shutil.which("redis-server")
    caches = ["locmem"]
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "uv run python bench/run.py" + (" --quick" if args.quick else ""),
        "machine": machine(),
        "requests": args.requests,
        "warmup": args.warmup,
        "leads_per_client": args.leads_per_client,
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "phases_s": {},
    }
    if os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        say(
            f"warning: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: other "
            "work competes for the CPU, timings will be high and noisy"
        )
    phase_started = [time.monotonic()]

    def phase(name: str) -> None:
        now = time.monotonic()
        results["phases_s"][name] = round(now - phase_started[0], 1)
        phase_started[0] = now

    try:
        with servers(bench):
            if redis_server:
                bench.redis = Server("redis", free_port(), tmp / "redis.log")
                bench.redis.start(
                    [
                        redis_server,
                        "--bind",
                        HOST,
                        "--port",
                        str(bench.redis.port),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                    ],
                    dict(os.environ),
                    None,
                )
                bench.redis_url = f"redis://{HOST}:{bench.redis.port}/0"
                caches.append("redis")
            else:
                say("no redis-server here: tokens are counted with the per-process cache only")
            prepare(bench)
            say(f"sandbox on {sandbox.url} (1 worker x 16 threads)")
            bench.start_sandbox()
            raw = raw_caller(sandbox.url, tmp)
            phase("setup")
            say(f"dashboard on {dashboard.url} (bin/serve: 2 workers x 4 threads)")
            main_cache = caches[-1]  # Redis when there is one, as in production
            results["tokens"] = []
            for cache in caches:
                if args.quick and cache != main_cache:
                    continue
                bench.start_dashboard(cache=cache)
                if not bench.session.cookies:
                    bench.login()
                if not args.quick:
                    tokens = measure_tokens(bench, cache, args.token_views)
                    say(
                        f"tokens ({cache}): {tokens['token_requests']} for {tokens['views']} "
                        f"views ({tokens['worker_restarts']} worker restarts)"
                    )
                    results["tokens"].append(tokens)
            phase("tokens")
            say(f"latency matrix, {args.requests} requests per kind and cell")
            results["cells"] = measure_matrix(bench, raw)
            phase("matrix")
            say(f"throughput, {args.throughput_seconds:g} s, {args.load_threads} connections")
            results["throughput"] = measure_throughput(bench)
            say(f"throughput: {results['throughput']['rps']} requests/s")
            results["tokens_whole_run"] = whole_run_tokens(
                bench, main_cache, bench.dashboard_log_start
            )
            bench.dashboard.stop()  # the in-process run needs the CPU, not the server
            phase("throughput")
            say("in process: queries per view" + ("" if args.quick else ", timings, profiles"))
            results["inprocess"] = run_inprocess(bench)
            phase("in process")
            results["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
            results["duration_s"] = round(time.monotonic() - started, 1)
    finally:
        if args.keep_tmp:
            say(f"logs and database kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / ("dashboard-quick.json" if args.quick else "dashboard.json")).write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print_report(results)
    if args.write_docs:
        write_docs(results)
        say(f"wrote {DOCS.relative_to(ROOT)}")
    say(f"done in {results['duration_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
