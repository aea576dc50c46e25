"""Scaling out: worker processes that share the cache share one API token per agency.

Several Python processes (as gunicorn workers would be, here on one host) build a client for the
same agency credentials against the live sandbox, wait for one signal, then search at once from
three threads each, so that they all race for the first token. The sandbox must count exactly one
token request: the client keeps tokens in Django's cache, and only one process may fetch
(`cache.add` is the cross-process lock).

The shared cache is Redis: the one of REDIS_URL when it is set (CI), else a redis-server started
here on a free loopback port, else (no Redis at all) Django's database cache in a temporary
SQLite file. The test id says which one ran, e.g. `test_..._one_token[redis-server]`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from leadsportal.leads_api import LeadFamily, LeadsApiClient, PageRequest, credentials_for
from leadsportal.leads_api import client as client_module
from tests.fixtures import PARIS_CLIENT
from tests.security.samples import window

WORKERS = 3
THREADS_PER_WORKER = 3
SEARCHES_PER_THREAD = 3

# One worker: set up Django with the shared cache, build the agency's client, say "ready", wait
# for the go signal on stdin, then search from a few threads at once; print what it did as JSON.
# The workers' settings: leadsportal's, with the shared cache (and its database) of the test.
APPLY_SETTINGS = """
import json, os
from django.conf import settings
for name, value in json.loads(os.environ["SHARED_SETTINGS"]).items():
    setattr(settings, name, value)
"""
# One worker: build the agency's client, say "ready", wait for the go signal on stdin, then
# search from a few threads at once; print what it did as JSON. The client needs the settings
# and the cache only, not django.setup(): half a second less per process.
WORKER = (
    APPLY_SETTINGS
    + """
import sys, threading
from datetime import UTC, datetime, timedelta

from leadsportal.leads_api import (
    LeadFamily, LeadsApiClient, PageRequest, SearchCriteria, credentials_for,
)

client = LeadsApiClient(
    credentials_for(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"], os.environ["BASE_URL"])
)
end = datetime.now(UTC).replace(microsecond=0)
criteria = SearchCriteria(start=end - timedelta(days=30), end=end)
results, errors = [], []

def work():
    try:
        for family in (LeadFamily.ALL, LeadFamily.SELLER, LeadFamily.CLASSIFIED):
            results.append(client.search(family, criteria, PageRequest(size=5)).count)
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=work) for _ in range(int(os.environ["THREADS"]))]
print("ready", flush=True)
sys.stdin.readline()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"searches": len(results), "errors": errors}), flush=True)
"""
)
CREATE_CACHE_TABLE = (
    APPLY_SETTINGS
    + """
import django
django.setup()
from django.core.management import call_command
call_command("createcachetable")
"""
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def cache_kind() -> str:
    if os.environ.get("REDIS_URL"):
        return "redis-url"
    if shutil.which("redis-server"):
        return "redis-server"
    return "sqlite-cache"


def redis_settings(location: str) -> dict[str, Any]:
    # A prefix of this test's own: nothing left by another run or another test can answer.
    prefix = f"shared-token-test-{uuid.uuid4().hex[:12]}"
    backend = "django.core.cache.backends.redis.RedisCache"
    return {"CACHES": {"default": {"BACKEND": backend, "LOCATION": location, "KEY_PREFIX": prefix}}}


@contextmanager
def redis_server() -> Iterator[str]:
    """A redis-server of this test on a free loopback port, once it says it listens.

    No polling: redis-server logs "Ready to accept connections" once its socket listens, and a
    thread that reads its log (the whole log, so that the pipe never fills) signals that line.
    """
    port = free_port()
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--save", "", "--appendonly", "no", "--loglevel", "notice"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    ready = threading.Event()
    said_ready = False

    def read_log() -> None:
        nonlocal said_ready
        assert server.stdout is not None
        for line in server.stdout:
            log.append(line)
            if "Ready to accept connections" in line:
                said_ready = True
                ready.set()
        ready.set()  # the log ended: redis-server stopped

    reader = threading.Thread(target=read_log, name="redis-server-log", daemon=True)
    reader.start()
    try:
        assert ready.wait(timeout=10), "redis-server does not answer:\n" + "".join(log)
        assert said_ready, "redis-server stopped:\n" + "".join(log)
        assert redis_answers(port), "redis-server says it is ready but does not answer PING"
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)
        reader.join(timeout=5)


def sqlite_cache_settings(directory: Path) -> dict[str, Any]:
    """Django's database cache in an SQLite file of its own. Not the file-based cache: its
    `add` is not atomic across processes (two workers can both take the lock), whereas the
    database cache's `add` rests on the table's primary key."""
    shared = {
        "DATABASES": {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(directory / "db")}
        },
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "shared_token_cache",
            }
        },
    }
    created = subprocess.run(
        [sys.executable, "-c", CREATE_CACHE_TABLE],
        cwd=settings.BASE_DIR,
        env={**worker_env(), "SHARED_SETTINGS": json.dumps(shared)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    return shared


@pytest.fixture
def shared_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The settings that give the workers one cache they all reach."""
    kind = request.param
    if kind == "redis-url":
        yield redis_settings(os.environ["REDIS_URL"])
    elif kind == "redis-server":
        with redis_server() as location:
            yield redis_settings(location)
    else:
        yield sqlite_cache_settings(tmp_path)


def worker_env() -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "leadsportal.settings"}


def start_worker(shared: dict[str, Any], base_url: str) -> subprocess.Popen[str]:
    env = {
        **worker_env(),
        "SHARED_SETTINGS": json.dumps(shared),
        "CLIENT_ID": PARIS_CLIENT[0],
        "CLIENT_SECRET": PARIS_CLIENT[1],
        "BASE_URL": base_url,
        "THREADS": str(THREADS_PER_WORKER),
    }
    return subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("shared_settings", [cache_kind()], indirect=True)
def test_worker_processes_share_one_token(
    shared_settings: dict[str, Any],
    sandbox_server,
    sandbox,  # type: ignore[no-untyped-def]
) -> None:
    workers = [start_worker(shared_settings, sandbox_server.sandbox_url) for _ in range(WORKERS)]
    try:
        for worker in workers:  # every worker has loaded the settings and built its client
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready", worker.stderr.read()  # type: ignore[union-attr]
        for worker in workers:  # then all of them go at once
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    reports = []
    for worker, (stdout, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr
        reports.append(json.loads(stdout.strip().splitlines()[-1]))
    assert [report["errors"] for report in reports] == [[]] * WORKERS
    searches = WORKERS * THREADS_PER_WORKER * SEARCHES_PER_THREAD
    assert sum(report["searches"] for report in reports) == searches
    assert sandbox.api_requests(PARIS_CLIENT[0]) == searches
    assert sandbox.token_requests(PARIS_CLIENT[0]) == 1


def test_a_worker_locking_late_takes_the_token_stored_meanwhile(
    sandbox_server,  # type: ignore[no-untyped-def]
    sandbox,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race the test above can only sometimes hit, made certain: between this worker's
    look in the cache (no token) and its lock, another worker stored a token and let go of
    the lock. This worker must take that token, not fetch a second one."""
    client = LeadsApiClient(credentials_for(*PARIS_CLIENT, sandbox_server.sandbox_url))
    stored_meanwhile = sandbox.issue_token(PARIS_CLIENT[0])  # not counted as a request
    shared = client_module.cache

    class OtherWorkerFinishesFirst:
        def __getattr__(self, name: str) -> Any:
            return getattr(shared, name)

        def add(self, key: str, *args: Any, **kwargs: Any) -> bool:
            shared.set(client._token_cache_key, stored_meanwhile, timeout=300)
            return bool(shared.add(key, *args, **kwargs))

    monkeypatch.setattr(client_module, "cache", OtherWorkerFinishesFirst())

    client.search(LeadFamily.ALL, window(7), PageRequest(size=5))

    assert sandbox.token_requests(PARIS_CLIENT[0]) == 0
    assert sandbox.api_requests(PARIS_CLIENT[0]) == 1
    assert shared.get(client._token_fetch_lock_key) is None  # the lock is released
