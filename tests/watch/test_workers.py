"""Two real worker processes (`manage.py leads_worker`) share the agencies: each agency is
polled once per interval, never twice, and a worker that dies hands its agencies over.

The workers use the test database (PostgreSQL in CI, the test SQLite file here), the task
queue of the environment (Redis when REDIS_URL is set, else a SQLite file of the test) under a
queue name of their own, and the session's sandbox over HTTP.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from leadsportal.watch.leases import lease_take, slot_of
from leadsportal.watch.models import LiveEvent, WatchLease
from leadsportal.watch.poll import agency_poll
from tests.fixtures import LYON_CLIENT

pytestmark = pytest.mark.django_db(transaction=True)

INTERVAL = 2
MANAGE = Path(settings.BASE_DIR) / "manage.py"


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(tmp_path: Path, queue: str, name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "LEADS_WATCH_INTERVAL": str(INTERVAL),
        "LEADS_TASKS_QUEUE": queue,
        "LEADS_TASKS_SQLITE": str(tmp_path / "tasks.sqlite3"),
        "LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, str(MANAGE), "leads_worker", "--workers", "4"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def polls(agency) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return list(
        WatchLease.objects.filter(name=f"poll:{agency.pk}")
        .order_by("slot")
        .values_list("slot", "holder")
    )


def test_two_workers_poll_each_agency_once_per_interval_and_survive_one_dying(
    paris, lyon, add_lead, sandbox, tmp_path
):
    for agency in (paris, lyon):
        agency_poll(agency=agency)  # the baseline: what is there already is not news
    # Today's daily jobs are done (their leases taken): a run at hh:45 would otherwise re-read
    # 92 days of each agency and count as searches here.
    today = slot_of(timezone.now(), 86_400)
    for job in ("reread", "purge"):
        lease_take(job, today)
    sandbox.reset_counters()
    queue = f"leadsportal-test-{uuid.uuid4().hex[:8]}"
    first = start_worker(tmp_path, queue, "first")
    second = start_worker(tmp_path, queue, "second")
    try:
        time.sleep(8)
        new = [add_lead(), add_lead(client_id=LYON_CLIENT[0])]
        time.sleep(8)
        # The worker that polled last dies mid-work, holding whatever it held.
        last_holder = WatchLease.objects.filter(name__startswith="poll:").latest("taken_at")
        victim, survivor = (
            (first, second)
            if last_holder.holder.split(":")[1] == str(first.pid)
            else (second, first)
        )
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at_slot = int(time.time()) // INTERVAL
        new.append(add_lead())
        time.sleep(10)
    finally:
        for worker in (first, second):
            if worker.poll() is None:
                worker.send_signal(signal.SIGINT)
        for worker in (first, second):
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
    logs = "".join((tmp_path / f"{n}.log").read_text() for n in ("first", "second"))

    for agency in (paris, lyon):
        taken = polls(agency)
        slots = [slot for slot, _ in taken]
        assert len(slots) >= 10, logs
        # Each poll is one search: the sandbox saw exactly as many as the leases, so no slot
        # was polled twice (the lease's unique row makes a second holder impossible).
        assert sandbox.api_requests(agency.client_id, "searchLeads") == len(slots)
        holders = {holder.split(":")[1] for _, holder in taken}
        assert holders <= {str(first.pid), str(second.pid)}
        # After the worker died, the other went on within two intervals.
        after = [slot for slot in slots if slot >= killed_at_slot]
        assert {h.split(":")[1] for slot, h in taken if slot > killed_at_slot} == {
            str(survivor.pid)
        }
        assert after and after[0] - killed_at_slot <= 2, (slots, killed_at_slot)
        gaps = [b - a for a, b in itertools.pairwise(after)]
        assert all(gap <= 2 for gap in gaps), (after, logs)
    # The dead worker had been polling: the handover was real.
    assert any(h.split(":")[1] == str(victim.pid) for a in (paris, lyon) for _, h in polls(a))
    # Each new lead was announced once, whichever worker saw it.
    assert sorted(LiveEvent.objects.values_list("lead_id", flat=True)) == sorted(new)
