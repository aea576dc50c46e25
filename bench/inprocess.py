"""In-process half of the benchmark (run by bench/run.py with the dashboard's environment).

It serves the lead lists through django.test.Client, in this process, against the sandbox that
run.py started (over real HTTP), and reports as JSON on standard output:
- database queries per view (CaptureQueriesContext), first view of a session and steady state;
- a pyinstrument profile of the hottest path (full page, per_page=100, no added latency), saved
  as text next to the JSON results, and a breakdown of where the time goes.

Usage (normally from run.py): python bench/inprocess.py --username NAME --out-dir DIR
    [--timing-requests 30] [--profile-requests 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadsportal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pyinstrument import Profiler  # noqa: E402
from pyinstrument.frame import Frame  # noqa: E402

HOST = "127.0.0.1"
PATHS = {"all": "/leads/", "seller": "/leads/vendeurs/"}
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


# Where the time of a view goes. Each bucket is the inclusive time of the OUTERMOST frames that
# match it (a bucket never counts the same time twice); buckets nest ("of which").
def _in(frame: Frame, path: str) -> bool:
    return path in (frame.file_path or "")


BUCKETS: dict[str, Callable[[Frame], bool]] = {
    "whole view (lead_list, from agency_required)": lambda f: (
        f.function == "lead_list" and _in(f, "leadsportal/dashboard/views.py")
    ),
    "upstream call (LeadsApiClient.search)": lambda f: (
        f.function == "search" and _in(f, "leadsportal/leads_api/client.py")
    ),
    "↳ of which HTTP, incl. waiting for the sandbox": lambda f: (
        f.function == "request" and _in(f, "requests/sessions.py")
    ),
    "↳ of which JSON decoding": lambda f: f.function == "json" and _in(f, "requests/models.py"),
    "↳ of which contract parsing (parse_lead_page)": lambda f: f.function == "parse_lead_page",
    "↳ of which token cache lookup (_access_token)": lambda f: f.function == "_access_token",
    "template rendering (render_to_string)": lambda f: (
        f.function == "render_to_string" and _in(f, "django/template/loader.py")
    ),
    "↳ of which the table ({% render_table %}, django-tables2)": lambda f: (
        f.function == "render" and _in(f, "django_tables2/templatetags")
    ),
    "↳ of which inspect.signature (django-tables2, per cell)": lambda f: (
        f.function == "signature" and _in(f, "django_tables2/utils.py")
    ),
    "↳ of which accessor lookups (a failed one formats repr(record))": lambda f: (
        f.function == "resolve" and _in(f, "django_tables2/utils.py")
    ),
    "follow-up marks and extras (dashboard/marks.py)": lambda f: (
        _in(f, "leadsportal/dashboard/marks.py")
        and f.function in {"lead_page_marks", "lead_list_extras"}
    ),
    "database queries (all)": lambda f: (
        f.function == "execute" and _in(f, "django/db/backends/utils.py")
    ),
    "form validation (is_valid)": lambda f: f.function == "is_valid",
    "session, user and memberships": lambda f: (
        f.function in {"_get_session", "get_user", "user_memberships"}
    ),
}


def bucket_time(frame: Frame, matches: Callable[[Frame], bool]) -> float:
    if matches(frame):
        return float(frame.time)
    return sum(bucket_time(child, matches) for child in frame.children)


def client_for(username: str) -> Client:
    client = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def get(client: Client, path: str, *, htmx: bool) -> Any:
    response = client.get(path, **(HTMX if htmx else {}))
    if response.status_code != 200:
        raise SystemExit(f"{path} (htmx={htmx}) answered {response.status_code}")
    return response


def count_queries(username: str) -> list[dict[str, Any]]:
    rows = []
    for tab, base in PATHS.items():
        for size in (20, 100):
            for htmx in (False, True):
                client = client_for(username)  # a fresh session: the first view of a login
                path = f"{base}?per_page={size}"
                with CaptureQueriesContext(connection) as first:
                    get(client, path, htmx=htmx)
                with CaptureQueriesContext(connection) as steady:
                    get(client, path, htmx=htmx)
                rows.append(
                    {
                        "tab": tab,
                        "per_page": size,
                        "kind": "partial" if htmx else "page",
                        "queries_first_view": len(first.captured_queries),
                        "queries_steady": len(steady.captured_queries),
                        "steady_sql": [q["sql"][:100] for q in steady.captured_queries],
                    }
                )
    return rows


def timed(client: Client, path: str, *, htmx: bool, count: int) -> list[tuple[float, float]]:
    """(wall ms, CPU ms of this thread) per request."""
    samples = []
    for _ in range(count):
        began, began_cpu = time.perf_counter(), time.thread_time()
        get(client, path, htmx=htmx)
        samples.append(
            ((time.perf_counter() - began) * 1000, (time.thread_time() - began_cpu) * 1000)
        )
    return samples


def in_process_times(username: str, requests_count: int) -> dict[str, dict[str, float]]:
    """Median wall and CPU time of each view served in this process, without a profiler."""
    client = client_for(username)
    times = {}
    for tab, base in PATHS.items():
        for size in (20, 100):
            for htmx in (False, True):
                path = f"{base}?per_page={size}"
                timed(client, path, htmx=htmx, count=3)  # warm-up: token, templates
                samples = timed(client, path, htmx=htmx, count=requests_count)
                key = f"{tab}/{size}/{'partial' if htmx else 'page'}"
                times[key] = {
                    "wall_ms": round(statistics.median(wall for wall, _ in samples), 2),
                    "cpu_ms": round(statistics.median(cpu for _, cpu in samples), 2),
                }
    return times


def profile(username: str, out_dir: Path, requests_count: int) -> dict[str, Any]:
    client = client_for(username)
    results: dict[str, Any] = {}
    for tab in ("all", "seller"):
        for htmx in (False, True):
            path = f"{PATHS[tab]}?per_page=100"
            timed(client, path, htmx=htmx, count=3)
            # Sampling every millisecond: a finer interval makes the profiler's own overhead
            # swamp deep template rendering; the shares stay right, times are inflated.
            profiler = Profiler(interval=0.001)
            profiler.start()
            timed(client, path, htmx=htmx, count=requests_count)
            session = profiler.stop()
            kind = "partial" if htmx else "page"
            name = f"dashboard-profile-{tab}-100-{kind}"
            (out_dir / f"{name}.txt").write_text(
                profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False),
                encoding="utf-8",
            )
            root = session.root_frame()
            totals = {
                name: bucket_time(root, matches) if root is not None else 0.0
                for name, matches in BUCKETS.items()
            }
            total = session.duration
            results[f"{tab}/100/{kind}"] = {
                "file": f"{name}.txt",
                "requests": requests_count,
                "ms_per_request": round(total * 1000 / requests_count, 2),
                "buckets_ms_per_request": {
                    bucket: round(seconds * 1000 / requests_count, 2)
                    for bucket, seconds in totals.items()
                },
            }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--username", required=True)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--timing-requests", type=int, default=30, help="0: no timings")
    parser.add_argument("--profile-requests", type=int, default=30, help="0: no profiles")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    # Other work may have added migrations since run.py migrated: this run must not fail on it.
    call_command("migrate", interactive=False, verbosity=0)
    report: dict[str, Any] = {"queries": count_queries(args.username)}
    if args.timing_requests:
        report["in_process_ms"] = in_process_times(args.username, args.timing_requests)
    if args.profile_requests:
        report["profiles"] = profile(args.username, args.out_dir, args.profile_requests)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
