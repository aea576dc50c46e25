"""Benchmark of the search (issue 13): `GET /recherche/?q=…` answering 20 leads at 100 ms
upstream latency, and the size of the agency lead index per 10,000 leads.

    uv run python bench/search_bench.py                  # 10,000 and 20,000 indexed leads
    uv run python bench/search_bench.py --sizes 10000    # one size
    uv run python bench/search_bench.py --rounds 5       # fewer requests (a smoke run)
    uv run python bench/search_bench.py --sqlite         # SQLite instead of PostgreSQL

Everything runs on loopback, in processes this script starts and stops (bench/run.py's and
bench/live_bench.py's helpers: `Server`, `Postgres`, `Live`, their environment and login):
- a throwaway PostgreSQL 15 cluster (initdb in a temporary directory), one database per size;
  SQLite files with `--sqlite` or when PostgreSQL is not installed;
- a redis-server: the dashboard's cache (the leads fetched by id, 60 s), the sessions' cache;
- the sandbox under its own gunicorn (one process, 32 threads), LEADS_SANDBOX_LEADS_PER_CLIENT
  = the size (its leads span 120 days), restarted for each size;
- the dashboard as production runs it: `bin/serve` (gunicorn + uvicorn workers, ASGI, 2
  processes), LEADSPORTAL_ENV=production; requests carry X-Forwarded-Proto: https and a
  browser's Accept headers, with the session cookie of a form login (an agent).

For each size:
1. `manage.py index_contacts --days 121` indexes every lead of the agency (sandbox at 0 ms, its
   rate limit off for that step), then VACUUM ANALYZE (autovacuum's job in production).
2. The index's size: pg_total_relation_size (table, its indexes and TOAST) of
   followup_agencylead, followup_contactfingerprint and followup_searchfingerprint, and their
   row counts; on SQLite the dbstat virtual table (pages of each table and its indexes).
3. The sandbox at 100 ms added latency and its contract's rate limit (50 requests/s): searches
   for a last name, a last name typed without its accent, a first name, a listing reference
   (the agency's busiest listing), each matching far more than 20 leads, a phone number in
   another notation than the API's and an e-mail in capitals (one contact each). Each round,
   query by query: the leads' cache entries are deleted from Redis (`*:upstream:lead:*`, the
   leads by id of agencies/upstream.py, and `*:fingerprints:indexed:*`, the page's remembered
   "déjà connu" answers; sessions and the token stay), then the search is requested once
   (cold: its 20 leads fetched by id, their contacts checked against the index) and once more
   at once (warm: all cached, as when paging back or reloading within the minute).
   Client wall time, the app's own duration and upstream calls (its request log), and the
   sandbox's counters per route (reset before each request).
4. For reference, the floor the app's design allows: the same 20 leads fetched by id straight
   from this script with 4 (FETCHES_PER_CALL), 8 (FETCHES_PER_AGENCY), 10 (the API's concurrent
   limit per client) and 20 requests in flight.

Target: cold search median ≤ 0.6 s at 100 ms. Results: bench/results/search.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from export_bench import Sandbox  # the sandbox's API with the demo client's token
from live_bench import (  # the same processes and conventions as the real-time benchmark
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    PG_BIN,
    SETUP_CODE,
    USERNAME,
    Live,
    Postgres,
    start_sandbox,
    stats_of,
)
from run import (
    HOST,
    ROOT,
    Server,
    free_port,
    machine,
    make_base_env,
    run_python,
    say,
    static_manifest_is_fresh,
    table_rows,
)

RESULTS = ROOT / "bench" / "results" / "search.json"
AGENCY = "Agence Recherche"
LATENCY_MS = 100
RATE_LIMIT = 50  # the contract's requests per second and client
TARGET_S = 0.6
PAGE_SIZE = 20
FETCHES_PER_CALL = 4  # leadsportal.agencies.upstream.FETCHES_PER_CALL (read, not imported:
# importing it would need Django settings in this process)
FANOUTS = (4, 8, 10, 20)
TABLES = ("followup_agencylead", "followup_contactfingerprint", "followup_searchfingerprint")
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5",
    "Accept-Encoding": "gzip, deflate",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Site": "same-origin",
}
COLD_KEYS = ("*:upstream:lead:*", "*:fingerprints:indexed:*")
_FOUND = re.compile(r"([\d\s\u00a0\u202f.,]+)\s+leads?\s+trouvés?")


# --- The stack ------------------------------------------------------------------------------


def createdb(pg: Postgres, name: str) -> str:
    subprocess.run(
        [str(PG_BIN / "createdb"), "-h", HOST, "-p", str(pg.port), "-U", "bench", name],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return f"postgres://bench@{HOST}:{pg.port}/{name}"


def size_env(live: Live, base: dict[str, str], size: int, database_url: str) -> dict[str, str]:
    env = dict(base)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=live.redis_url,
        LEADS_SANDBOX_LEADS_PER_CLIENT=str(size),
        LEADS_SANDBOX_LATENCY_MS="0",
        LEADS_SANDBOX_RATE_LIMIT="1000000",
        LEADS_TASKS_SQLITE=str(live.tmp / f"unused-tasks-{size}.sqlite3"),
        LOG_LEVEL="INFO",  # the request log: the app's duration and upstream calls per request
    )
    return env


def forget_cached_leads(live: Live) -> int:
    """Make the next search cold: delete the leads fetched by id (agencies/upstream.py
    `_cache_key`, 60 s) and the page's remembered "déjà connu" answers (followup/fingerprints.py
    `indexed_key`, 5 min) from the cache; sessions, tokens and the rest stay."""
    import redis

    client = redis.Redis.from_url(live.redis_url)
    keys = [key for pattern in COLD_KEYS for key in client.scan_iter(match=pattern, count=1000)]
    if keys:
        client.delete(*keys)
    return len(keys)


def table_sizes(live: Live) -> dict[str, dict[str, int]]:
    sizes: dict[str, dict[str, int]] = {}
    postgres = live.database_url.startswith("postgres")
    for table in TABLES:
        (rows,) = live.sql(f"SELECT count(*) FROM {table}")[0]
        if postgres:
            total, heap, index = live.sql(
                "SELECT pg_total_relation_size(%s), pg_relation_size(%s), pg_indexes_size(%s)",
                (table, table, table),
            )[0]
        else:
            pages = dict(
                live.sql(
                    "SELECT name, SUM(pgsize) FROM dbstat WHERE name = %s OR name IN "
                    "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s) "
                    "GROUP BY name",
                    (table, table),
                )
            )
            heap = int(pages.pop(table, 0))
            index = int(sum(pages.values()))
            total = heap + index
        sizes[table] = {
            "rows": int(rows),
            "total": int(total),
            "table": int(heap),
            "indexes": int(index),
        }
    return sizes


def lscpu() -> dict[str, str]:
    """The lines of `lscpu` that describe the CPUs (model, count, caches, hypervisor)."""
    wanted = ("Model name", "CPU(s)", "Thread(s) per core", "Hypervisor vendor", "L2 cache")
    done = subprocess.run(["lscpu"], capture_output=True, text=True, check=False)
    facts = (line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in facts if key.strip() in wanted}


# --- Queries ----------------------------------------------------------------------------------


def find_contact(live: Live, sandbox: Sandbox) -> dict[str, str]:
    """A lead with an e-mail and a phone, from the newest indexed ones (read from the API)."""
    ids = [row[0] for row in live.sql(
        "SELECT lead_id FROM followup_agencylead ORDER BY lead_created_at DESC LIMIT 200"
    )]  # fmt: skip
    for lead_id in ids:
        body = sandbox.session.get(f"{sandbox.url}/v2/leads/{lead_id}", timeout=30).json()
        contact = body.get("contactRequest") or {}
        phones = [p["number"] for p in contact.get("phoneNumbers") or [] if p.get("number")]
        if contact.get("email") and phones:
            digits = re.sub(r"\D", "", phones[0])
            national = "0" + digits[2:] if digits.startswith("33") else digits
            pairs = " ".join(national[i : i + 2] for i in range(0, len(national), 2))
            # Typed otherwise than the API wrote them: pairs of digits, capitals.
            return {"lead_id": lead_id, "phone": pairs, "email": contact["email"].upper()}
    raise SystemExit("no indexed lead with both an e-mail and a phone among the newest 200")


def queries(live: Live, sandbox: Sandbox) -> list[dict[str, str]]:
    (reference, listing_leads) = live.sql(
        "SELECT classified_reference, count(*) FROM followup_agencylead "
        "WHERE classified_reference <> '' GROUP BY classified_reference "
        "ORDER BY count(*) DESC LIMIT 1"
    )[0]
    contact = find_contact(live, sandbox)
    return [
        {"kind": "last name", "q": "Dupont"},
        {"kind": "last name, no accent", "q": "lefevre"},
        {"kind": "first name", "q": "Camille"},
        {"kind": f"listing reference ({listing_leads} leads)", "q": str(reference)},
        {"kind": "phone (other notation)", "q": contact["phone"]},
        {"kind": "e-mail (capitals)", "q": contact["email"]},
    ]


# --- Measurements ---------------------------------------------------------------------------


def found_count(html: str) -> int | None:
    match = _FOUND.search(html)
    return int(re.sub(r"\D", "", match[1])) if match else None


def search_once(live: Live, q: str) -> dict[str, Any]:
    live.control(reset_counters=True)
    offset = live.dashboard.log_size()
    began = time.perf_counter()
    response = live.session.get(
        live.dashboard.url + "/recherche/",
        params={"q": q},
        headers=BROWSER_HEADERS,
        timeout=30,
        allow_redirects=False,
    )
    wall = time.perf_counter() - began
    live._insecure_cookies()  # a cookie set again is Secure: keep sending it on loopback
    if response.status_code != 200:
        raise SystemExit(f"/recherche/?q={q!r} answered {response.status_code}")
    routes = live.api_counts().get(CLIENT_ID, {})
    stats = requests.get(live.sandbox.url + "/sandbox/_control/stats", timeout=10).json()
    logged: list[dict[str, Any]] = []
    for _ in range(20):  # the request-log line is written as the response leaves
        logged = [
            e for e in live.dashboard.request_log(offset) if e.get("route") == "dashboard:search"
        ]
        if logged:
            break
        time.sleep(0.05)
    entry = logged[-1] if logged else {}
    return {
        "wall_s": wall,
        "app_ms": entry.get("duration_ms"),
        "app_upstream_calls": entry.get("upstream_calls"),
        "routes": routes,
        "upstream_calls": sum(routes.values()),
        "token_requests": sum(stats["token_requests"].values()),
        "rate_limited": sum(stats["rate_limited"].values()),
        "rows": table_rows(response.content),
        "found": found_count(response.text),
        "bytes": len(response.content),
    }


def summarise(samples: list[dict[str, Any]]) -> dict[str, Any]:
    calls = [s["upstream_calls"] for s in samples]
    routes: dict[str, int] = {}
    for sample in samples:
        for route, count in sample["routes"].items():
            routes[route] = routes.get(route, 0) + count
    return {
        "wall_s": stats_of([s["wall_s"] for s in samples], 3),
        "app_ms": stats_of([s["app_ms"] for s in samples if s["app_ms"] is not None], 1),
        "upstream_calls_per_search": {"min": min(calls), "max": max(calls),
                                      "mean": round(statistics.fmean(calls), 2)},
        "routes_total": routes,
        "token_requests": sum(s["token_requests"] for s in samples),
        "rate_limited": sum(s["rate_limited"] for s in samples),
        "rows": sorted({s["rows"] for s in samples}),
        "found": sorted({s["found"] for s in samples if s["found"] is not None}),
    }  # fmt: skip


def measure_searches(live: Live, plan: list[dict[str, str]], rounds: int) -> list[dict[str, Any]]:
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {
        item["q"]: {"cold": [], "warm": []} for item in plan
    }
    forgotten = []
    for number in range(rounds):
        for item in plan:
            forgotten.append(forget_cached_leads(live))
            samples[item["q"]]["cold"].append(search_once(live, item["q"]))
            samples[item["q"]]["warm"].append(search_once(live, item["q"]))
        if number % 5 == 4 or number == rounds - 1:
            cold = [samples[plan[0]["q"]]["cold"][-1]["wall_s"]]
            say(f"  round {number + 1}/{rounds} ({plan[0]['q']} cold {cold[0]:.3f} s)")
    out = []
    for item in plan:
        out.append(
            {
                **item,
                "cold": summarise(samples[item["q"]]["cold"]),
                "warm": summarise(samples[item["q"]]["warm"]),
            }
        )
    live.results["cache_keys_deleted_before_cold"] = stats_of([float(n) for n in forgotten], 0)
    return out


def measure_fanout(live: Live, sandbox: Sandbox, rounds: int) -> list[dict[str, Any]]:
    """20 leads by id straight from the sandbox, `width` requests in flight."""
    ids = [row[0] for row in live.sql(
        "SELECT lead_id FROM followup_agencylead ORDER BY lead_created_at DESC LIMIT %s",
        (PAGE_SIZE,),
    )]  # fmt: skip

    def get(lead_id: str) -> None:
        sandbox.session.get(f"{sandbox.url}/v2/leads/{lead_id}", timeout=30).raise_for_status()

    single = []
    for lead_id in ids[:rounds]:
        began = time.perf_counter()
        get(lead_id)
        single.append(time.perf_counter() - began)
    out = [{"width": 1, "what": "one lead by id", "wall_s": stats_of(single, 3)}]
    for width in FANOUTS:
        walls = []
        with ThreadPoolExecutor(max_workers=width) as pool:
            for _ in range(max(5, rounds // 2)):
                time.sleep(1.05)  # the rate limit's sliding second starts empty
                began = time.perf_counter()
                list(pool.map(get, ids))
                walls.append(time.perf_counter() - began)
        out.append(
            {
                "width": width,
                "what": f"{PAGE_SIZE} leads by id",
                "rounds_of_calls": math.ceil(PAGE_SIZE / width),
                "wall_s": stats_of(walls, 3),
            }
        )
    return out


def run_size(
    live: Live, base: dict[str, str], pg: Postgres | None, size: int, rounds: int
) -> dict[str, Any]:
    database_url = (
        createdb(pg, f"search_{size}") if pg else f"sqlite:///{live.tmp / f'search-{size}.sqlite3'}"
    )
    live.database_url = database_url
    live.env = size_env(live, base, size, database_url)
    out: dict[str, Any] = {"leads_per_client": size}
    say(f"{size:,} leads: migrate, agency, member")
    setup_env = {k: v for k, v in live.env.items() if k != "REDIS_URL"}
    run_python(
        setup_env,
        ["-c", SETUP_CODE, AGENCY, CLIENT_ID, f"{live.sandbox.url}/sandbox", USERNAME],
        LEADS_CLIENT_SECRET=CLIENT_SECRET, LEADSPORTAL_PASSWORD=PASSWORD,
    )  # fmt: skip
    live.flush_redis()
    start_sandbox(live)
    try:
        say("  index_contacts --days 121")
        began = time.perf_counter()
        printed = run_python(live.env, ["manage.py", "index_contacts", "--days", "121"])
        out["index_contacts"] = {"seconds": round(time.perf_counter() - began, 1),
                                 "output": printed.strip()}  # fmt: skip
        say(f"  {printed.strip()} ({out['index_contacts']['seconds']} s)")
        if database_url.startswith("postgres"):
            for table in TABLES:
                live.sql(f"VACUUM ANALYZE {table}")
        sizes = table_sizes(live)
        leads = sizes["followup_agencylead"]["rows"]
        out["indexed_leads"] = leads
        out["tables"] = sizes
        total = sum(t["total"] for t in sizes.values())
        out["index_bytes"] = total
        out["index_bytes_per_10000_leads"] = round(total * 10_000 / leads)
        say(f"  index: {leads:,} leads, {total / 2**20:.1f} MiB "
            f"({total * 10_000 / leads / 2**20:.2f} MiB per 10,000 leads)")  # fmt: skip
        live.start_dashboard()
        live.login()
        sandbox = Sandbox(f"{live.sandbox.url}/sandbox")
        plan = queries(live, sandbox)
        say("  queries: " + "; ".join(f"{p['kind']}: {p['q']}" for p in plan))
        # Warm-up (not measured): the app's code paths, its token in the cache, both processes.
        for item in plan * 2:
            search_once(live, item["q"])
        live.control(latency_ms=LATENCY_MS, rate_limit=RATE_LIMIT)
        time.sleep(1.1)
        say(f"  {rounds} rounds of cold + warm searches at {LATENCY_MS} ms")
        out["searches"] = measure_searches(live, plan, rounds)
        out["cache_keys_deleted_before_cold"] = live.results.pop("cache_keys_deleted_before_cold")
        say("  fan-out floor, straight to the sandbox")
        out["fanout_floor"] = measure_fanout(live, sandbox, rounds)
    finally:
        live.dashboard.stop()
        live.sandbox.stop()
    return out


# --- Report ---------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Measured {results['date']} on {results['machine']['nproc']} CPUs "
        f"({results['machine']['cpu']}), {results['machine']['memory']}, Python "
        f"{results['machine']['python']}, {results['database']}; sandbox latency "
        f"{LATENCY_MS} ms, rate limit {RATE_LIMIT}/s; {results['rounds']} cold + "
        f"{results['rounds']} warm requests per query; load average at start "
        f"{results['load_average_at_start']}, at end {results.get('load_average_at_end')}.",
        "",
        "| indexed leads | query | found | rows | cold median | cold p95 | warm median | "
        "warm p95 | app cold / warm median | upstream calls cold / warm |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in results["sizes"]:
        for s in size["searches"]:
            cold, warm = s["cold"], s["warm"]
            found = "/".join(str(n) for n in cold["found"]) or "?"
            rows = "/".join(str(n) for n in cold["rows"])
            calls_cold = cold["upstream_calls_per_search"]
            calls_warm = warm["upstream_calls_per_search"]
            lines.append(
                f"| {size['indexed_leads']:,} | {s['kind']}: `{s['q']}` | {found} | {rows} | "
                f"{cold['wall_s']['p50']:.3f} s | {cold['wall_s']['p95']:.3f} s | "
                f"{warm['wall_s']['p50']:.3f} s | {warm['wall_s']['p95']:.3f} s | "
                f"{cold['app_ms']['p50']:.0f} / {warm['app_ms']['p50']:.0f} ms | "
                f"{calls_cold['mean']:g} / {calls_warm['mean']:g} |"
            )
    lines += [
        "",
        "| indexed leads | table | rows | table | indexes | total | per 10,000 leads |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for size in results["sizes"]:
        leads = size["indexed_leads"]
        for name, t in size["tables"].items():
            lines.append(
                f"| {leads:,} | {name} | {t['rows']:,} | {t['table'] / 2**20:.2f} MiB | "
                f"{t['indexes'] / 2**20:.2f} MiB | {t['total'] / 2**20:.2f} MiB | "
                f"{t['total'] * 10_000 / leads / 2**20:.2f} MiB |"
            )
        lines.append(
            f"| {leads:,} | **all three** | | | | {size['index_bytes'] / 2**20:.2f} MiB | "
            f"**{size['index_bytes_per_10000_leads'] / 2**20:.2f} MiB** |"
        )
    lines += [
        "",
        "| indexed leads | straight to the sandbox (no app) | rounds | median | p95 |",
        "|---:|---|---:|---:|---:|",
    ]
    for size in results["sizes"]:
        for f in size["fanout_floor"]:
            lines.append(
                f"| {size['indexed_leads']:,} | {f['what']}, {f['width']} in flight | "
                f"{f.get('rounds_of_calls', 1)} | {f['wall_s']['p50']:.3f} s | "
                f"{f['wall_s']['p95']:.3f} s |"
            )
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000])
    parser.add_argument("--rounds", type=int, default=20, help="cold + warm requests per query")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if PostgreSQL is here")
    parser.add_argument("--keep-tmp", action="store_true", help="keep logs and databases")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    started = time.monotonic()

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # the processes this script started are stopped on the way out

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("redis-server is required (the shared cache of the leads by id)")
    tmp = Path(tempfile.mkdtemp(prefix="leadsportal-search-"))
    have_pg = (PG_BIN / "initdb").exists() and not args.sqlite
    pg = Postgres(tmp, 100) if have_pg else None
    sandbox = Server("sandbox", free_port(), tmp / "sandbox.log")
    dashboard = Server("dashboard", free_port(), tmp / "dashboard.log")
    redis = Server("redis", free_port(), tmp / "redis.log")
    live = Live(args, tmp, {}, sandbox, dashboard, redis, "", f"redis://{HOST}:{redis.port}/0")
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "uv run python " + " ".join(["bench/search_bench.py", *sys.argv[1:]]),
        "machine": machine(),
        "lscpu": lscpu(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "database": "PostgreSQL 15" if pg else "SQLite",
        "latency_ms": LATENCY_MS,
        "rate_limit": RATE_LIMIT,
        "rounds": args.rounds,
        "fetches_per_call": FETCHES_PER_CALL,
        "sizes": [],
    }
    try:
        try:
            if pg:
                pg.start()
            redis.start(
                [redis_server, "--bind", HOST, "--port", str(redis.port), "--save", "",
                 "--appendonly", "no"], dict(os.environ), None,
            )  # fmt: skip
            # One environment (one SECRET_KEY: the fingerprints' key) for every process.
            base = make_base_env(tmp, sandbox.port, args.sizes[0])
            if not static_manifest_is_fresh():
                say("collectstatic")
                run_python(base, ["manage.py", "collectstatic", "--noinput", "-v", "0"])
            for size in args.sizes:
                results["sizes"].append(run_size(live, base, pg, size, args.rounds))
        finally:
            dashboard.stop()
            sandbox.stop()
            redis.stop()
            if pg is not None:
                pg.stop()
        results["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
        results["duration_s"] = round(time.monotonic() - started, 1)
    finally:
        if args.keep_tmp:
            say(f"logs and databases kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(markdown(results))
    say(f"done in {results['duration_s']:.0f} s; results in {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
