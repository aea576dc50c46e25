"""A real worker (`manage.py leads_worker`) for the background exports, and the queue it reads.

As in tests/watch/test_workers.py: the worker uses the test database (PostgreSQL in CI, the
test SQLite file here) and the task queue of the environment (Redis when REDIS_URL is set,
else a SQLite file of the test) under a queue name of its own. The test's process queues into
the same queue for as long as the worker runs (the session's queue is in memory otherwise).
The watcher polls each agency once a minute only and today's daily jobs marked done, so that the
worker does little besides the exports.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def export_worker(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A worker process reading a queue of its own, which this process queues into meanwhile."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import PriorityRedisStorage, SqliteStorage

    from leadsportal.watch.leases import lease_take, slot_of

    today = slot_of(timezone.now(), 86_400)
    for job in ("reread", "purge"):
        lease_take(job, today)
    queue = f"leadsportal-test-{uuid.uuid4().hex[:8]}"
    queue_file = tmp_path / "tasks.sqlite3"
    shared = (
        PriorityRedisStorage(queue, url=settings.REDIS_URL)
        if settings.REDIS_URL
        else SqliteStorage(queue, filename=str(queue_file))
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "LEADS_TASKS_QUEUE": queue,
        "LEADS_TASKS_SQLITE": str(queue_file),
        "LEADS_WATCH_INTERVAL": "60",  # the longest it may be: few polls
        "LOG_LEVEL": "WARNING",
    }
    log_path = tmp_path / "export-worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, str(MANAGE), "leads_worker", "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    memory, HUEY.storage = HUEY.storage, shared
    try:
        yield worker
    finally:
        HUEY.storage = memory
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        if settings.REDIS_URL:
            shared.flush_all()


def worker_log(tmp_path: Path) -> str:
    path = tmp_path / "export-worker.log"
    return path.read_text(errors="replace") if path.exists() else ""
