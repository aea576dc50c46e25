"""Worst request times under each fault scenario of the sandbox (issue 15).

    uv run python bench/fault_bench.py               # the full run (about 22 minutes on 2 cores)
    uv run python bench/fault_bench.py --write-docs  # also refresh "Fault scenarios (issue 15)"
    uv run python bench/fault_bench.py --reps 2 --only baseline,stall   # a shorter look
    uv run python bench/fault_bench.py --docs-only   # the docs from bench/results/faults.json

The harness is bench/live_bench.py's (a throwaway PostgreSQL cluster, a redis-server, the
sandbox under its own gunicorn, the dashboard as production runs it: `bin/serve`, gunicorn +
uvicorn workers on leadsportal.asgi, WEB_CONCURRENCY=2, LEADSPORTAL_ENV=production, generated
secrets, requests carrying X-Forwarded-Proto: https). No watcher worker: nothing measured here
needs one. The sandbox runs with 128 threads instead of live_bench's 32, so that the requests it
holds in 60 s stalls (it does not notice the dashboard giving up) do not starve the knob calls.

One agency, one sandbox client of 3,000 leads, 50 ms added latency; one manager logged in through
the login form. Before any fault, 20 leads of the default list are set to "contacte" (POST
/lead/<id>/suivi/statut/), so that the status filter has about 20 leads known locally.

Each scenario starts from the sandbox's reset (which also wakes the requests a stall still holds)
plus its knobs, and with the dashboard's cached token removed from Redis. Requests, sequential,
`--reps` rounds of all kinds (interleaved), then `--batches` batches of 4 concurrent lists; the
dashboard's cache of leads by id (60 s) is emptied before each request (and each batch), so every
request is cold: the worst case. Each request has a client-side timeout of 90 s (per read, and
in total for the streamed exports): a hang is recorded as "timeout", it does not block the run.

Recorded per scenario × request: HTTP statuses, wall seconds (median, max), for exports the time
to the response's headers and whether the CSV was complete, ended by its "EXPORT INCOMPLET" row,
or replaced by an error page. A max above LEADS_API_PAGE_DEADLINE (12 s) + 3 s is marked OVER.
Results: bench/results/faults.json (machine, date, every sample).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from live_bench import (  # the real-time bench's harness: same processes, same conventions
    AGENCY,
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    PG_BIN,
    PROXY_HEADERS,
    SETUP_CODE,
    USERNAME,
    Live,
    Postgres,
    owned,
    run_python,
    setup_env,
)
from run import (
    HOST,
    ROOT,
    Server,
    free_port,
    machine,
    say,
    static_manifest_is_fresh,
)

RESULTS = ROOT / "bench" / "results" / "faults.json"
DOCS = ROOT / "docs" / "BENCHMARKS.md"
DEADLINE = 12.0  # LEADS_API_PAGE_DEADLINE's default, which this bench keeps
OVER = DEADLINE + 3.0
CLIENT_TIMEOUT = 90.0
LEADS = 3000  # about 150 in the default 7-day list: a 2-page export
LATENCY_MS = 50
STATUS_LEADS = 20
CONCURRENT = 4
HTMX = {"HX-Request": "true", "HX-Target": "results"}
INCOMPLETE_MARK = b"EXPORT INCOMPLET"

SCENARIOS: dict[str, tuple[str, dict[str, Any]]] = {
    "baseline": ("no fault (50 ms latency)", {}),
    "latency": ("2,000 ms latency on every call", {"latency_ms": 2000}),
    "error500": ("500 on every call", {"fault_mode": "error500", "fault_rate": 1.0}),
    "malformed": ("malformed JSON on every call", {"fault_mode": "malformed", "fault_rate": 1.0}),
    "unavailable503": (
        "503 on every call",
        {"fault_mode": "unavailable503", "fault_rate": 1.0},
    ),
    "stall": (
        "60 s stall on every call",
        {"fault_mode": "stall", "fault_rate": 1.0, "stall_seconds": 60},
    ),
    "random": ("random faults on 30 % of calls", {"fault_rate": 0.3, "stall_seconds": 60}),
    "rate_limit": ("rate limit 1 call/s", {"rate_limit": 1}),
    "token_ttl": ("tokens live 1 s", {"token_ttl": 1}),
}


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    path: str  # {lead}, {contact} and {listing} are filled in per request
    headers: dict[str, str] = field(default_factory=dict)
    export: bool = False


KINDS = [
    Kind("list", "list /leads/", "/leads/"),
    Kind("tab", "tab /leads/vendeurs/", "/leads/vendeurs/"),
    Kind("partial", "htmx partial, p. 3", "/leads/vendeurs/?page=3", HTMX),
    Kind("status", "?status=contacte (20)", "/leads/?status=contacte"),
    Kind("detail", "lead detail", "/lead/{lead}/"),
    Kind("contact", "same contact", "/lead/{contact}/meme-contact/"),
    Kind("listing", "listing's leads", "/annonces/{listing}/leads/"),
    Kind("counts", "tab counts", "/suivi/compteurs/"),
    Kind("export", "CSV export", "/exports/leads/?format=csv", export=True),
    Kind("export_status", "CSV export, status", "/exports/leads/?status=contacte&format=csv",
         export=True),
]  # fmt: skip
CONCURRENT_KEY = "list_x4"
LABELS = {kind.key: kind.label for kind in KINDS} | {CONCURRENT_KEY: "list, 4 at once"}


# --- One request --------------------------------------------------------------------------


def timed_get(
    session: requests.Session, url: str, headers: dict[str, str], export: bool = False
) -> dict[str, Any]:
    """Wall time of one GET, body read to the end; exports: headers time and completeness."""
    began = time.perf_counter()
    out: dict[str, Any] = {}
    try:
        with session.get(
            url, headers=headers, timeout=(5, CLIENT_TIMEOUT), stream=True, allow_redirects=False
        ) as response:
            out["headers_s"] = round(time.perf_counter() - began, 3)
            out["status"] = str(response.status_code)
            tail = b""
            size = 0
            for chunk in response.iter_content(65536):
                size += len(chunk)
                tail = (tail + chunk)[-4096:]
                if time.perf_counter() - began > CLIENT_TIMEOUT:
                    out["status"] = "timeout"
                    break
            out["bytes"] = size
            if export and response.headers.get("Content-Type", "").startswith("text/csv"):
                out["export"] = "incomplete" if INCOMPLETE_MARK in tail else "complete"
            elif export:
                out["export"] = "error page"
    except requests.Timeout:
        out["status"] = "timeout"
    except requests.RequestException as error:
        out["status"] = type(error).__name__
    out["s"] = round(time.perf_counter() - began, 3)
    return out


# --- The bench --------------------------------------------------------------------------


@dataclass
class Faults:
    live: Live
    args: argparse.Namespace
    lead_ids: list[str] = field(default_factory=list)
    status_ids: list[str] = field(default_factory=list)
    contact_ids: list[str] = field(default_factory=list)
    listing_ids: list[str] = field(default_factory=list)
    turn: Counter[str] = field(default_factory=Counter)

    @property
    def url(self) -> str:
        return self.live.dashboard.url

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update({**PROXY_HEADERS, "Cookie": self.live.cookie_header()})
        return session

    def drop_cache(self, pattern: str) -> None:
        """Delete the dashboard's cache keys holding `pattern` (Django's Redis cache)."""
        import redis

        client = redis.Redis.from_url(self.live.redis_url)
        keys = list(client.scan_iter(match=f"*{pattern}*", count=1000))
        if keys:
            client.delete(*keys)

    def next_of(self, name: str, pool: list[str]) -> str:
        value = pool[self.turn[name] % len(pool)]
        self.turn[name] += 1
        return value

    def path_of(self, kind: Kind) -> str:
        return kind.path.format(
            lead=self.next_of("lead", self.lead_ids) if "{lead}" in kind.path else "",
            contact=self.next_of("contact", self.contact_ids) if "{contact}" in kind.path else "",
            listing=self.next_of("listing", self.listing_ids) if "{listing}" in kind.path else "",
        )

    # Setup (no fault yet) ----------------------------------------------------------------

    def get(self, path: str) -> requests.Response:
        """A GET of the setup, on the login's session (Django re-sends its Secure cookies)."""
        response = self.live.session.get(self.url + path, timeout=60, allow_redirects=False)
        self.live._insecure_cookies()
        if response.status_code != 200:
            raise SystemExit(f"setup: {path} answered HTTP {response.status_code}")
        return response

    def prepare(self) -> None:
        ids: list[str] = []
        contacts: list[str] = []
        listings: list[str] = []
        for page in (1, 2, 3):
            text = self.get(f"/leads/?per_page=100&page={page}").text
            ids += re.findall(r'href="/lead/([^/"?]+)/', text)
            contacts += re.findall(r'href="/lead/([^/"?]+)/meme-contact/', text)
            listings += re.findall(r'href="/annonces/(\d+)/leads/', text)
        ids = list(dict.fromkeys(ids))
        if len(ids) < STATUS_LEADS + 10:
            raise SystemExit(f"only {len(ids)} leads on the default list")
        self.status_ids = ids[:STATUS_LEADS]
        self.lead_ids = ids[STATUS_LEADS:]
        self.contact_ids = list(dict.fromkeys(contacts)) or self.lead_ids[::-1]
        self.listing_ids = list(dict.fromkeys(listings))
        if not self.listing_ids:
            raise SystemExit("no listing link on the default list")
        detail = self.get(f"/lead/{self.status_ids[0]}/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', detail.text)
        if not match:
            raise SystemExit("no CSRF token on the lead detail page")
        origin = f"https://{HOST}:{self.live.dashboard.port}"
        for lead_id in self.status_ids:
            answer = self.live.session.post(
                f"{self.url}/lead/{lead_id}/suivi/statut/",
                data={"status": "contacte", "csrfmiddlewaretoken": match[1]},
                headers={"Referer": f"{origin}/lead/{lead_id}/", "Origin": origin},
                allow_redirects=False,
                timeout=60,
            )
            self.live._insecure_cookies()
            if answer.status_code != 303:
                raise SystemExit(f"status change of a lead: HTTP {answer.status_code}")
        listed = self.get("/leads/?status=contacte&per_page=100").text
        shown = len(set(re.findall(r'href="/lead/([^/"?]+)/', listed)) & set(self.status_ids))
        if shown != STATUS_LEADS:
            raise SystemExit(f"the status filter lists {shown} of the {STATUS_LEADS} leads")
        say(
            f"  {len(ids)} leads listed, {shown} shown as 'contacte', "
            f"{len(self.contact_ids)} with a known contact, {len(self.listing_ids)} listings"
        )

    # Scenarios ---------------------------------------------------------------------------

    def scenario(self, name: str) -> dict[str, Any]:
        label, knobs = SCENARIOS[name]
        self.live.control(reset=True)
        self.live.control(**knobs)
        self.drop_cache("leads_api:token")
        offset = self.live.dashboard.log_size()
        began = time.monotonic()
        samples: dict[str, list[dict[str, Any]]] = {kind.key: [] for kind in KINDS}
        session = self.session()
        for _round in range(self.args.reps):
            for kind in KINDS:
                self.drop_cache("upstream:lead:")
                url = self.url + self.path_of(kind)
                sample = timed_get(session, url, kind.headers, kind.export)
                samples[kind.key].append(sample)
        sessions = [self.session() for _ in range(CONCURRENT)]
        samples[CONCURRENT_KEY] = []
        with ThreadPoolExecutor(CONCURRENT) as pool:
            for _batch in range(self.args.batches):
                self.drop_cache("upstream:lead:")
                samples[CONCURRENT_KEY] += pool.map(
                    lambda s: timed_get(s, self.url + "/leads/", {}), sessions
                )
        elapsed = time.monotonic() - began
        stats = requests.get(self.live.sandbox.url + "/sandbox/_control/stats", timeout=60).json()
        out = {
            "label": label,
            "knobs": knobs,
            "seconds": round(elapsed, 1),
            "requests": {key: summarize(values) for key, values in samples.items()},
            "server_log": server_side(self.live.dashboard.request_log(offset)),
            "sandbox": {
                key: stats[key]
                for key in ("api_requests", "token_requests", "rate_limited", "faults")
            },
            "samples": samples,
        }
        self.live.control(reset=True)  # wakes the calls a stall still holds
        return out


def summarize(samples: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [s["s"] for s in samples]
    out: dict[str, Any] = {
        "n": len(samples),
        "statuses": dict(Counter(s["status"] for s in samples)),
        "median_s": round(statistics.median(seconds), 2),
        "max_s": round(max(seconds), 2),
        "min_s": round(min(seconds), 2),
        "over_deadline": max(seconds) > OVER,
    }
    exports = Counter(s["export"] for s in samples if "export" in s)
    if exports:
        out["exports"] = dict(exports)
        heads = [s["headers_s"] for s in samples if "headers_s" in s]
        if heads:
            out["headers_median_s"] = round(statistics.median(heads), 2)
            out["headers_max_s"] = round(max(heads), 2)
    return out


def server_side(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The dashboard's own request log: per route, the longest request and most upstream calls."""
    out: dict[str, dict[str, Any]] = {}
    for entry in entries:
        route = str(entry.get("route"))
        seen = out.setdefault(route, {"n": 0, "max_ms": 0.0, "max_upstream_calls": 0})
        seen["n"] += 1
        seen["max_ms"] = max(seen["max_ms"], float(entry.get("duration_ms") or 0))
        seen["max_upstream_calls"] = max(
            seen["max_upstream_calls"], int(entry.get("upstream_calls") or 0)
        )
    return out


# --- Report -------------------------------------------------------------------------------


def statuses_of(summary: dict[str, Any]) -> str:
    return "/".join(f"{code}×{n}" for code, n in sorted(summary["statuses"].items()))


def cell(summary: dict[str, Any], export: bool) -> str:
    text = f"{summary['max_s']:.1f} / {summary['median_s']:.1f} · {statuses_of(summary)}"
    if export:
        outcomes = summary.get("exports", {})
        text += " · " + ", ".join(
            f"{outcomes[key]} {word}"
            for key, word in (
                ("complete", "whole"),
                ("incomplete", "INCOMPLET"),
                ("error page", "error"),
            )
            if outcomes.get(key)
        )
    if summary["over_deadline"]:
        text = f"**OVER {text}**"
    return text


def markdown(results: dict[str, Any]) -> str:
    scenarios = results["scenarios"]
    names = list(scenarios)
    keys = [kind.key for kind in KINDS] + [CONCURRENT_KEY]
    exports = {kind.key for kind in KINDS if kind.export}
    lines = [
        "| request \\ scenario | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for key in keys:
        row = [cell(scenarios[name]["requests"][key], key in exports) for name in names]
        lines.append(f"| {LABELS[key]} | " + " | ".join(row) + " |")
    lines += [
        "",
        "Cells: max / median wall seconds · HTTP statuses seen (×count); exports: whole files, "
        "files ended by the EXPORT INCOMPLET row, error pages. OVER: max above the deadline "
        f"+ 3 s ({OVER:.0f} s).",
        "",
        "| scenario | knobs | worst request | max s | its statuses | requests over "
        f"{OVER:.0f} s | run s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in names:
        run = scenarios[name]
        worst = max(keys, key=lambda k: run["requests"][k]["max_s"])
        summary = run["requests"][worst]
        over = [LABELS[k] for k in keys if run["requests"][k]["over_deadline"]]
        knobs = ", ".join(f"{k}={v}" for k, v in run["knobs"].items()) or "—"
        lines.append(
            f"| {name}: {run['label']} | {knobs} | {LABELS[worst]} | {summary['max_s']:.1f} "
            f"| {statuses_of(summary)} | {', '.join(over) or 'none'} | {run['seconds']:.0f} |"
        )
    return "\n".join(lines)


BEGIN = "<!-- bench:faults:begin (bench/fault_bench.py --write-docs rewrites this block) -->"
END = "<!-- bench:faults:end -->"
SECTION = "## Fault scenarios (issue 15)"
INTRO = """The longest and the median wall time of each kind of page under each fault scenario of the
sandbox, with the per-request upstream deadline (`LEADS_API_PAGE_DEADLINE`, 12 s; each export
page its own) in force (issue 15).

```sh
uv run python bench/fault_bench.py               # full run (about 22 min on 2 cores)
uv run python bench/fault_bench.py --write-docs  # also rewrites the generated block below
uv run python bench/fault_bench.py --reps 2 --only baseline,stall   # a shorter look
```

The harness is `bench/live_bench.py`'s: a throwaway PostgreSQL cluster, a redis-server, the
sandbox under its own gunicorn (one process, 128 threads; one client of 3,000 leads, about 150
of them in the default 7-day list; 50 ms added latency), the dashboard as `bin/serve` runs it
(gunicorn + uvicorn workers, ASGI, 2 processes, production settings, generated secrets); no
watcher worker. A manager logged in through the form; 20 leads set to "contacté" before any
fault. Each scenario begins with the sandbox's reset plus its knobs and no cached token; the
dashboard's 60 s cache of leads by id is emptied before every request, so each one pays the
upstream in full. Sequential requests (all kinds, interleaved, several rounds), then batches of
4 concurrent lists; a client-side timeout of 90 s. The CPUs are shared by every process: read
maxima against the 12 s deadline, not to the tenth."""


def write_docs(results: dict[str, Any], reading: str) -> None:
    m = results["machine"]
    block = "\n".join([
        BEGIN,
        f"Measured {results['date']} on {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, "
        f"Python {m['python']}, database {results['database']}; command: "
        f"`{results['command']}`; {results['reps']} sequential rounds and "
        f"{results['batches']} batch(es) of {CONCURRENT} concurrent lists per scenario; load "
        f"average at start {results['load_average_at_start']}, at end "
        f"{results.get('load_average_at_end')}; run {results['duration_s']:.0f} s.",
        "",
        markdown(results),
        END,
    ])  # fmt: skip
    text = DOCS.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        tail = f"\n{reading.strip()}\n" if reading.strip() else ""
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{INTRO}\n\n{block}\n{tail}"
    DOCS.write_text(text, encoding="utf-8")


# --- Main ---------------------------------------------------------------------------------


def start_sandbox(live: Live, threads: int) -> None:
    """live_bench.start_sandbox with more threads (stalled calls hold theirs for 60 s)."""
    command = [
        sys.executable, "-m", "gunicorn", "leadsportal.wsgi", "--bind",
        f"{HOST}:{live.sandbox.port}", "--workers", "1", "--threads", str(threads), "--timeout",
        "120", "--worker-tmp-dir", "/dev/shm", "--no-control-socket", "--error-logfile", "-",
    ]  # fmt: skip
    live.sandbox.start(command, live.env, "/sandbox/_control/stats")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="sequential rounds per scenario (5)")
    parser.add_argument("--batches", type=int, default=2, help="batches of 4 concurrent lists")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="scenarios, comma-separated")
    parser.add_argument("--threads", type=int, default=128, help="the sandbox's threads (128)")
    parser.add_argument("--write-docs", action="store_true", help="refresh docs/BENCHMARKS.md")
    parser.add_argument("--reading", default="", help="text file of prose put after the block")
    parser.add_argument("--output", default=str(RESULTS), help="results file")
    parser.add_argument("--keep-tmp", action="store_true", help="keep logs and databases")
    parser.add_argument(
        "--docs-only", action="store_true", help="no run: write the docs from --output's results"
    )
    args = parser.parse_args()
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; known: {', '.join(SCENARIOS)}")
    return args


def reading_of(args: argparse.Namespace) -> str:
    return Path(args.reading).read_text(encoding="utf-8") if args.reading else ""


def main() -> int:
    args = parse_args()
    if args.docs_only:
        write_docs(json.loads(Path(args.output).read_text(encoding="utf-8")), reading_of(args))
        say(f"wrote {DOCS.relative_to(ROOT)}")
        return 0
    started = time.monotonic()

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # the processes this script started are stopped on the way out

    signal.signal(signal.SIGTERM, stop)
    tmp = Path(tempfile.mkdtemp(prefix="leadsportal-faults-"))
    pg = Postgres(tmp, 100) if (PG_BIN / "initdb").exists() else None
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("redis-server is required (the dashboard's cache and sessions)")
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "uv run python " + " ".join(["bench/fault_bench.py", *sys.argv[1:]]),
        "machine": machine(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "deadline_s": DEADLINE,
        "over_threshold_s": OVER,
        "client_timeout_s": CLIENT_TIMEOUT,
        "leads_per_client": LEADS,
        "upstream_latency_ms": LATENCY_MS,
        "reps": args.reps,
        "batches": args.batches,
        "concurrent": CONCURRENT,
        "scenarios": {},
    }
    sandbox = Server("sandbox", free_port(), tmp / "sandbox.log")
    dashboard = Server("dashboard", free_port(), tmp / "dashboard.log")
    redis = Server("redis", free_port(), tmp / "redis.log")
    live = Live(args, tmp, {}, sandbox, dashboard, redis, "", f"redis://{HOST}:{redis.port}/0")
    try:
        with owned(live, pg):
            live.database_url = pg.start() if pg else f"sqlite:///{tmp / 'faults.sqlite3'}"
            results["database"] = "PostgreSQL 15" if pg else "SQLite"
            redis.start(
                [redis_server, "--bind", HOST, "--port", str(redis.port), "--save", "",
                 "--appendonly", "no"], dict(os.environ), None,
            )  # fmt: skip
            live.env = setup_env(tmp, sandbox.port, live.database_url, live.redis_url)
            live.env.update(
                LEADS_SANDBOX_CLIENTS=f"{CLIENT_ID}:{CLIENT_SECRET}",
                LEADS_SANDBOX_LEADS_PER_CLIENT=str(LEADS),
                LEADS_SANDBOX_LATENCY_MS=str(LATENCY_MS),
                LOG_LEVEL="INFO",  # the request log: each request's own duration, upstream calls
            )
            if not static_manifest_is_fresh():
                say("collectstatic")
                run_python(live.env, ["manage.py", "collectstatic", "--noinput", "-v", "0"])
            say(f"migrate, agency, manager ({results['database']})")
            no_redis = {k: v for k, v in live.env.items() if k != "REDIS_URL"}
            run_python(
                no_redis,
                ["-c", SETUP_CODE, AGENCY, CLIENT_ID, f"{sandbox.url}/sandbox", USERNAME],
                LEADS_CLIENT_SECRET=CLIENT_SECRET, LEADSPORTAL_PASSWORD=PASSWORD,
            )  # fmt: skip
            run_python(
                no_redis,
                ["manage.py", "create_member", USERNAME, "--agency", AGENCY, "--role", "manager"],
            )
            start_sandbox(live, args.threads)
            live.start_dashboard()
            live.login()
            bench = Faults(live, args)
            say("20 leads set to 'contacte' (no fault yet)")
            bench.prepare()
            for name in args.only:
                say(f"scenario {name}: {SCENARIOS[name][0]}")
                run = bench.scenario(name)
                results["scenarios"][name] = run
                worst = max(run["requests"].items(), key=lambda item: item[1]["max_s"])
                say(
                    f"  {run['seconds']:.0f} s; worst {LABELS[worst[0]]} {worst[1]['max_s']:.1f} s"
                    f" {worst[1]['statuses']}"
                )
            results["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
            results["duration_s"] = round(time.monotonic() - started, 1)
    finally:
        if args.keep_tmp:
            say(f"logs and databases kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(markdown(results))
    print()
    if args.write_docs:
        write_docs(results, reading_of(args))
        say(f"wrote {DOCS.relative_to(ROOT)}")
    say(f"done in {results['duration_s']:.0f} s; results in {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
