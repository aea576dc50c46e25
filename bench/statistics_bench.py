"""Benchmark of the statistics page (issue 13): 12 months at 20,000 indexed leads.

    uv run python bench/statistics_bench.py               # SQLite, and PostgreSQL if installed
    uv run python bench/statistics_bench.py --quick       # fewer requests
    uv run python bench/statistics_bench.py --write-docs  # also refresh docs/BENCHMARKS.md

For each database (a throwaway SQLite file; a throwaway PostgreSQL 15 cluster from
bench/live_bench.py's `Postgres` when PostgreSQL is installed) a child process of this script:
- migrates an empty database and creates one agency whose API is a closed port (any upstream
  call would fail and be counted), a manager and five agents;
- writes 20,000 rows of the agency lead index (`AgencyLead`) spread over the last 365 days
  (Paris days), the sandbox's mix of lead types and portals, 400 listings; and 8,000 follow-ups
  (40 % of the leads) assigned round the six members, three quarters of them answered after a
  few minutes to a few days;
- serves `/statistiques/` through django.test.Client, in process, production middleware and
  all: 12 months grouped per week (the automatic choice), 12 months per day (366 rows), an
  agent's 12 months, and the CSV of the 12-month families table; interleaved request by
  request after warm-up rounds; wall time per request, SQL queries per view
  (CaptureQueriesContext) and upstream calls and token requests (the request log's counters).

Target: median ≤ 150 ms and 0 upstream calls for the manager's 12-month page.
Results: bench/results/statistics.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "BENCHMARKS.md"
BEGIN = (
    "<!-- bench:statistics:begin (bench/statistics_bench.py --write-docs rewrites this block) -->"
)
END = "<!-- bench:statistics:end -->"
LEADS = 20_000
FOLLOWED_SHARE = 0.4
ANSWERED_SHARE = 0.75
LISTINGS = 400
TARGET_MS = 150.0

LEAD_TYPES = ("CLASSIFIED", "AGENCY", "SELLER", "PROPERTY_SEARCH")
TYPE_WEIGHTS = (50, 15, 20, 15)
PORTALS = (
    "SLG-FRA", "SLN-FRA", "SLC-FRA", "BCM-FRA", "LIM-FRA", "LIN-FRA",
    "LIC-FRA", "BDS-FRA", "LUX-FRA", "LCI-FRA", "MAG-FRA", "SIG-FRA",
)  # fmt: skip
PORTAL_WEIGHTS = (34, 6, 3, 3, 24, 5, 3, 5, 3, 4, 7, 3)


# --- The child: one database ---------------------------------------------------------------


def _seed() -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from leadsportal.agencies.models import Agency, Membership
    from leadsportal.followup.models import AgencyLead, FollowupStatus, LeadFollowup

    agency = Agency(name="Agence Bench", client_id="bench", base_url="http://127.0.0.1:9/laas")
    agency.set_client_secret("bench-secret")
    agency.save()
    users = get_user_model().objects
    manager = users.create_user(username="bench.manager", password="x-Bench-42")
    Membership.objects.create(user=manager, agency=agency, role="manager")
    members = [manager]
    for number in range(1, 6):
        agent = users.create_user(username=f"bench.agent{number}", password="x-Bench-42")
        Membership.objects.create(user=agent, agency=agency, role="agent")
        members.append(agent)

    rng = random.Random(20261201)
    now = datetime.now(UTC)
    listings = [(100_000_000 + n, f"PAR-2026-{1000 + n}") for n in range(LISTINGS)]
    rows, followups = [], []
    started = time.perf_counter()
    for n in range(LEADS):
        created = now - timedelta(seconds=rng.randrange(365 * 86_400))
        lead_type = rng.choices(LEAD_TYPES, weights=TYPE_WEIGHTS)[0]
        listing = rng.choice(listings) if lead_type == "CLASSIFIED" else (None, "")
        lead_id = f"bench-{n:06d}"
        rows.append(
            AgencyLead(
                agency=agency,
                lead_id=lead_id,
                lead_type=lead_type,
                portal=rng.choices(PORTALS, weights=PORTAL_WEIGHTS)[0],
                classified_id=listing[0],
                classified_reference=listing[1],
                lead_created_at=created,
                expires_at=created + timedelta(days=3 * 365),
                first_seen_at=created,
                announced_at=created,
            )
        )
        if rng.random() < FOLLOWED_SHARE:
            answered = rng.random() < ANSWERED_SHARE
            seconds = int(rng.lognormvariate(8.0, 1.5)) if answered else None
            followups.append(
                LeadFollowup(
                    agency=agency,
                    lead_id=lead_id,
                    lead_type=lead_type,
                    portal=rows[-1].portal,
                    classified_id=listing[0],
                    lead_created_at=created,
                    expires_at=created + timedelta(days=3 * 365),
                    status=FollowupStatus.CONTACTED if answered else FollowupStatus.NEW,
                    assignee=members[len(followups) % len(members)],
                    first_status_change_at=created + timedelta(seconds=seconds)
                    if seconds is not None
                    else None,
                    response_seconds=seconds,
                )
            )
    AgencyLead.objects.bulk_create(rows, batch_size=2000)
    LeadFollowup.objects.bulk_create(followups, batch_size=2000)
    return {
        "index_rows": AgencyLead.objects.count(),
        "followups": LeadFollowup.objects.count(),
        "answered": LeadFollowup.objects.filter(response_seconds__isnull=False).count(),
        "seed_seconds": round(time.perf_counter() - started, 1),
    }


def _child(requests: int, warmup: int) -> dict[str, Any]:
    import django

    django.setup()
    import logging

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from leadsportal.dashboard.dates import today_in_paris
    from leadsportal.dashboard.statistics_forms import earliest_start

    call_command("migrate", verbosity=0)
    seeded = _seed()

    counters: list[dict[str, Any]] = []

    class Counts(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            counters.append(
                {
                    "status": getattr(record, "status", None),
                    "upstream_calls": getattr(record, "upstream_calls", None),
                    "token_requests": getattr(record, "token_requests", None),
                }
            )

    logging.getLogger("leadsportal.request").addHandler(Counts())
    logging.getLogger("leadsportal.request").propagate = False

    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    manager, agent = Client(), Client()
    manager.force_login(users.get(username="bench.manager"))
    agent.force_login(users.get(username="bench.agent1"))
    today = today_in_paris()
    year = f"start={earliest_start(today).isoformat()}&end={today.isoformat()}"
    kinds = {
        "manager, 12 months per week (automatic)": (manager, f"/statistiques/?{year}"),
        "manager, 12 months per day (366 rows)": (
            manager,
            f"/statistiques/?{year}&granularity=day",
        ),
        "agent, 12 months (own leads)": (agent, f"/statistiques/?{year}"),
        "manager, CSV of the families table, 12 months": (
            manager,
            f"/statistiques/?{year}&table=families&format=csv-excel",
        ),
        "manager, default 30 days": (manager, "/statistiques/"),
    }
    results: dict[str, Any] = {}
    for name, (client, path) in kinds.items():
        client.get(path)  # the session's first request
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        results[name] = {
            "path": path,
            "queries": len(queries),
            "query_ms": [
                [round(float(query["time"]) * 1000, 1), query["sql"][:160]]
                for query in queries.captured_queries
            ],
            "bytes": len(response.content),
            "times_ms": [],
        }
    for _round in range(warmup):
        for client, path in kinds.values():
            client.get(path)
    counters.clear()
    for _round in range(requests):
        for name, (client, path) in kinds.items():
            started = time.perf_counter()
            response = client.get(path)
            results[name]["times_ms"].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    for row in results.values():
        times = sorted(row.pop("times_ms"))
        row["median_ms"] = round(statistics.median(times), 1)
        row["p95_ms"] = round(times[max(0, int(len(times) * 0.95) - 1)], 1)
        row["min_ms"] = round(times[0], 1)
        row["requests"] = len(times)
    return {
        "database": connection.vendor
        + (f" {connection.pg_version // 10000}" if connection.vendor == "postgresql" else ""),
        "seeded": seeded,
        "views": results,
        "upstream_calls": sum(c["upstream_calls"] or 0 for c in counters),
        "token_requests": sum(c["token_requests"] or 0 for c in counters),
        "logged_requests": len(counters),
    }


# --- The parent: databases, results, docs ----------------------------------------------------


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
    return {"nproc": os.cpu_count(), "cpu": model, "memory": memory,
            "python": platform.python_version()}  # fmt: skip


def run_child(database_url: str, requests: int, warmup: int, tmp: Path) -> dict[str, Any]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LEADSPORTAL_", "DJANGO_", "LEADS_", "DATABASE_", "REDIS_"))
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="leadsportal.settings",
        LEADS_SANDBOX_ENABLED="0",
        # Tasks a signal might enqueue go to a queue of this run, never the developer's.
        LEADS_TASKS_SQLITE=str(tmp / "tasks.sqlite3"),
    )
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--requests", str(requests), "--warmup", str(warmup)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"child failed ({database_url}):\n{out.stderr[-4000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def markdown(report: dict[str, Any]) -> str:
    facts = report["machine"]
    lines = [
        f"Measured {report['date']} on {facts['nproc']} CPUs ({facts['cpu']}), {facts['memory']} "
        f"RAM, Python {facts['python']}; command: `{report['command']}`; "
        f"{report['requests']} requests per view after {report['warmup']} warm-up rounds, "
        "in process (django.test.Client, every middleware).",
        "",
        "| database | view | median ms | p95 ms | min ms | SQL queries | bytes |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in report["runs"]:
        for name, row in run["views"].items():
            lines.append(
                f"| {run['database']} | {name} | {row['median_ms']} | {row['p95_ms']} | "
                f"{row['min_ms']} | {row['queries']} | {row['bytes']:,} |"
            )
    lines.append("")
    for run in report["runs"]:
        seeded = run["seeded"]
        lines.append(
            f"{run['database']}: {seeded['index_rows']:,} index rows over 365 days, "
            f"{seeded['followups']:,} follow-ups ({seeded['answered']:,} answered); "
            f"{run['logged_requests']:,} measured requests made {run['upstream_calls']} upstream "
            f"calls and {run['token_requests']} token requests."
        )
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    for run in report["runs"]:
        main = run["views"]["manager, 12 months per week (automatic)"]
        lines.append(
            f"| {run['database']}: the manager's 12-month page, median ≤ {TARGET_MS:.0f} ms "
            f"and 0 upstream calls | {main['median_ms']} ms, {run['upstream_calls']} calls | "
            f"{'yes' if main['median_ms'] <= TARGET_MS and run['upstream_calls'] == 0 else 'no'} |"
        )
    return "\n".join(lines)


def write_docs(block: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOCS.write_text(text[:start] + "\n" + block + "\n" + text[end:], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10 requests per view")
    parser.add_argument("--sqlite", action="store_true", help="SQLite only")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(_child(args.requests, args.warmup)))
        return
    if args.quick:
        args.requests, args.warmup = 10, 2
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from live_bench import PG_BIN, Postgres  # a throwaway cluster, as the live benchmark's

    runs = []
    with tempfile.TemporaryDirectory(prefix="leadsportal-statistics-bench-") as name:
        tmp = Path(name)
        if os.geteuid() == 0:
            os.chmod(tmp, 0o755)  # the postgres user enters it to make its cluster
        runs.append(
            run_child(f"sqlite:///{tmp / 'bench.sqlite3'}", args.requests, args.warmup, tmp)
        )
        if (PG_BIN / "initdb").exists() and not args.sqlite:
            pg = Postgres(tmp, max_connections=20)
            try:
                runs.append(run_child(pg.start(), args.requests, args.warmup, tmp))
            finally:
                pg.stop()
    command = "uv run python bench/statistics_bench.py" + (" --quick" if args.quick else "")
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "command": command + (" --write-docs" if args.write_docs else ""),
        "requests": args.requests,
        "warmup": args.warmup,
        "runs": runs,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / ("statistics-quick.json" if args.quick else "statistics.json")
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    block = markdown(report)
    print(block)
    if args.write_docs:
        write_docs(block)


if __name__ == "__main__":
    main()
