"""Benchmark of the lists of an agency on AVIV Seeker Leads v1 (issue 16): upstream calls and
time of the default 7-day list, built from the feed's window read as cached slices
(leadsportal/agencies/seeker_windows.py), against the whole window read again as before.

    uv run python bench/seeker_window_bench.py               # 7 rounds, 100 ms upstream latency
    uv run python bench/seeker_window_bench.py --rounds 3    # a smoke run
    uv run python bench/seeker_window_bench.py --write-docs  # also refresh docs/BENCHMARKS.md

In this process: the whole app (so the Seeker sandbox at /seeker-sandbox/) on Django's threaded
HTTP server on loopback, a throwaway SQLite database, Django's local-memory cache; the lists are
requested through django.test.Client as an agent of an agency with 8,600 sandbox leads over 120
days (about 500 a week). The sandbox adds 100 ms to every request, as a real upstream would.
Each round measures, for the default list (`/leads/`, its 7 days):
- cold: nothing cached (the first list after a quiet half hour);
- new lead: a lead arrives and the watcher moves the agency's generation (the closed days stay
  cached, today's slice is read again);
- warm: the same list again within 45 s;
- kept warm: the closed days' entries lapse, the watcher's poll reads them again in the
  background (`keep_warm`, timed on its own), then a list after a new lead;
- before: the whole 7-day window read again by `SeekerLeadsClient.window_leads`, as the lists
  did before on every new lead;
and once per round a listing's page (its 92 days), cold and warm.
Upstream calls are counted by the sandbox. Results: bench/results/seeker_windows.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "BENCHMARKS.md"
LATENCY_MS = 100
LEADS = 8_600

_db = Path(tempfile.mkdtemp(prefix="seeker-bench-")) / "db.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadsportal.settings")
os.environ["DATABASE_URL"] = f"sqlite:///{_db}"
os.environ["SEEKER_SANDBOX_LEADS_PER_CLIENT"] = str(LEADS)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402
import requests  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.test import Client  # noqa: E402

from leadsportal import seeker_api  # noqa: E402
from leadsportal.agencies.models import Agency, Membership  # noqa: E402
from leadsportal.agencies.upstream import agency_leads_changed, agency_windows_warm  # noqa: E402
from leadsportal.agencies.webhooks import webhook_path  # noqa: E402
from leadsportal.dashboard.dates import default_start, start_of_day, today_in_paris  # noqa: E402
from leadsportal.seeker_sandbox.state import state  # noqa: E402

CLIENT = ("agence-bordeaux-demo", "bordeaux-demo-secret")


class _Quiet(WSGIRequestHandler):
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve() -> str:
    server = ThreadedWSGIServer(("127.0.0.1", 0), _Quiet, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def setup(url: str) -> tuple[Agency, Client]:
    call_command("migrate", verbosity=0)
    agency = Agency(
        name="Agence Bordeaux Bench",
        client_id=CLIENT[0],
        base_url=url + "/seeker-sandbox/seeker-leads/v1",
        upstream=Agency.Upstream.SEEKER_V1,
    )
    agency.set_client_secret(CLIENT[1])
    agency.save()
    user = get_user_model().objects.create_user("bench.seeker", password="unused-bench")
    Membership.objects.create(user=user, agency=agency, role=Membership.Role.AGENT)
    client = Client()
    client.force_login(user)
    return agency, client


def measured(action: Callable[[], Any]) -> dict[str, float]:
    calls = state.api_requests(CLIENT[0])
    started = time.perf_counter()
    action()
    return {
        "ms": (time.perf_counter() - started) * 1000,
        "calls": state.api_requests(CLIENT[0]) - calls,
    }


def list_view(client: Client, path: str = "/leads/") -> Callable[[], None]:
    def view() -> None:
        response = client.get(path)
        assert response.status_code == 200, response.status_code

    return view


def summary(samples: list[dict[str, float]]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(s["ms"] for s in samples), 1),
        "max_ms": round(max(s["ms"] for s in samples), 1),
        "median_calls": statistics.median(s["calls"] for s in samples),
        "max_calls": max(s["calls"] for s in samples),
    }


def run(rounds: int) -> dict[str, Any]:
    url = serve()
    agency, client = setup(url)
    state.set_baseline(latency_ms=LATENCY_MS, fault_rate=0.0, rate_limit=10)
    state.reset()
    seeker = seeker_api.get_client(agency.seeker_credentials())
    start = start_of_day(default_start())
    end = start_of_day(today_in_paris() + timedelta(days=1))
    samples: dict[str, list[dict[str, float]]] = {
        key: []
        for key in (
            "cold",
            "new_lead",
            "warm",
            "warming",
            "kept_warm",
            "before",
            "listing_cold",
            "listing_warm",
        )
    }
    leads = seeker.window_leads(start, end)
    listing = next(lead.classified.classified_id for lead in leads if lead.classified)
    state.reset_counters()
    for _ in range(rounds):
        cache.clear()
        samples["cold"].append(measured(list_view(client)))
        state.add_lead(CLIENT[0], "CLASSIFIED")
        agency_leads_changed(agency=agency)
        samples["new_lead"].append(measured(list_view(client)))
        samples["warm"].append(measured(list_view(client)))
        # The closed days lapse; the watcher's poll warms them; then a new lead and a list.
        # (someone opens today's leads only: the lists are in use, the closed days not cached)
        cache.clear()
        today = today_in_paris().isoformat()
        list_view(client, f"/leads/?start={today}&end={today}")()
        samples["warming"].append(measured(lambda: agency_windows_warm(agency=agency)))
        state.add_lead(CLIENT[0], "AGENCY")
        agency_leads_changed(agency=agency)
        samples["kept_warm"].append(measured(list_view(client)))
        samples["before"].append(measured(lambda: seeker.window_leads(start, end)))
        cache.clear()
        path = f"/annonces/{listing}/leads/"
        samples["listing_cold"].append(measured(list_view(client, path)))
        samples["listing_warm"].append(measured(list_view(client, path)))
    webhook = webhook_times(url, agency, rounds * 30)
    return {
        "webhook": webhook,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "latency_ms": LATENCY_MS,
        "rounds": rounds,
        "leads_in_default_window": len(leads),
        "results": {key: summary(values) for key, values in samples.items() if values},
    }


def webhook_times(url: str, agency: Agency, count: int) -> dict[str, float]:
    """Seeker Leads' webhook call over HTTP (the receiver answers before any poll: it only
    checks the URL's secret and queues the watcher's poll on the task queue)."""
    agency.new_webhook_secret()
    agency.save()
    target = url + webhook_path(agency=agency)
    times = []
    with requests.Session() as session:
        for _ in range(count):
            started = time.perf_counter()
            response = session.post(target, json={"event": "LEAD_CREATED"}, timeout=5)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    times.sort()
    return {
        "calls": count,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
    }


LABELS = {
    "cold": "default list, nothing cached (first list after a quiet half hour)",
    "new_lead": "default list after a new lead (closed days cached, today read again)",
    "warm": "default list again within 45 s",
    "warming": "the watcher's keep_warm after the closed days lapsed (in the worker)",
    "kept_warm": "default list after a new lead, the days kept warm by the watcher",
    "before": "the whole 7-day window read again (what every new lead cost before)",
    "listing_cold": "a listing's page (92 days), nothing cached",
    "listing_warm": "the same listing's page again",
}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "## Seeker Leads windows (issue 16)",
        "",
        f"`bench/seeker_window_bench.py`, {result['date'][:10]}, {result['machine']}; "
        f"an agency with {result['leads_in_default_window']} leads in its default 7-day list "
        f"(8,600 over 120 days), the Seeker sandbox at {result['latency_ms']} ms added latency, "
        f"{result['rounds']} rounds, in process (Django's test client, local-memory cache).",
        "",
        "| what | upstream calls (median / max) | time, median (max) |",
        "|---|---|---|",
    ]
    for key, label in LABELS.items():
        row = result["results"].get(key)
        if row:
            lines.append(
                f"| {label} | {row['median_calls']:g} / {row['max_calls']:g} | "
                f"{row['median_ms']:.0f} ms ({row['max_ms']:.0f}) |"
            )
    hook = result["webhook"]
    lines += [
        "",
        f"The webhook receiver, {hook['calls']} calls over HTTP (SQLite task queue): "
        f"median {hook['median_ms']:.1f} ms, p95 {hook['p95_ms']:.1f} ms, max "
        f"{hook['max_ms']:.1f} ms (the issue asks for a 200 within 100 ms).",
    ]
    rows = result["results"]
    before, after = rows["before"], rows["new_lead"]
    lines += [
        "",
        f"A new lead used to cost the lists the whole window again: {before['median_calls']:g} "
        f"calls and {before['median_ms']:.0f} ms at the median; it now costs "
        f"{after['median_calls']:g} call (today's slice) and {after['median_ms']:.0f} ms "
        f"({before['median_ms'] / after['median_ms']:.1f}× less time). While the lists are in use "
        "the watcher keeps the closed days cached, in the worker, so the default list costs at "
        "most the one call of today's slice; the first list after a quiet half hour reads the "
        "missing days side by side, one call each. A listing's page still reads 92 days of the "
        "feed at first (one page per 100 leads of each week: the feed cannot be asked for one "
        "listing); its slices then serve every list and lead by id of the period.",
        "",
        "Those 75 calls wait for the API's limit of 10 per 200 ms. Since 2026-12-01 a request "
        "holds its slot until 210 ms after its answer, not 250 ms after it left, because the "
        "API counts a request when it arrives, which a busy machine delays (CI met two 429s "
        "this way). At 100 ms a call this costs a slot 310 ms instead of 250: the cold 92-day "
        "page went from 2,752 ms to about 3,800 ms at the median (1.4×), without a 429.",
    ]
    return "\n".join(lines) + "\n"


def write_docs(section: str) -> None:
    text = DOCS.read_text()
    marker = "## Seeker Leads windows (issue 16)"
    if marker in text:
        head, rest = text.split(marker, 1)
        tail = rest.split("\n## ", 1)
        text = head + section + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    DOCS.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--from-json", action="store_true", help="render the last results again, run nothing"
    )
    args = parser.parse_args()
    if args.from_json:
        result = json.loads((RESULTS / "seeker_windows.json").read_text())
    else:
        result = run(args.rounds)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "seeker_windows.json").write_text(json.dumps(result, indent=2) + "\n")
    section = markdown(result)
    print(section)
    if args.write_docs:
        write_docs(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
