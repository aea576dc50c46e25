"""AVIV's review: one Seeker token per 24 hours, whatever the number of worker processes.

Three Python processes (as gunicorn and task workers would be) build a client for the same
agency against the live Seeker sandbox and read a window from three threads each, all at once,
three times: at the start, 23 h 50 min later and 24 h later (each process moves the clock the
client judges tokens by, `seeker_api.tokens.clock`). The sandbox must count one token request,
still one, then exactly two. The shared cache is the one tests/security/test_shared_token.py
sets up: REDIS_URL when set (CI), else a redis-server of the test, else Django's database cache
in an SQLite file (whose `add` is atomic, unlike the file cache's).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from leadsportal.seeker_sandbox.data import ANCHOR
from tests.security.test_shared_token import (
    APPLY_SETTINGS,
    cache_kind,
    redis_server,
    redis_settings,
    sqlite_cache_settings,
    worker_env,
)
from tests.seeker_sandbox.conftest import BORDEAUX, SECRETS

WORKERS = 3
THREADS_PER_WORKER = 3
# What each phase's clock says, from the first token: 0, 23 h 50 min, 24 h.
OFFSETS = (0, 23 * 3600 + 50 * 60, 24 * 3600)
TOKENS_AFTER = (1, 1, 2)

WORKER = (
    APPLY_SETTINGS
    + """
import sys, threading, time
from datetime import UTC, datetime, timedelta

from leadsportal.seeker_api import SeekerLeadsClient, credentials_for, tokens

client = SeekerLeadsClient(
    credentials_for(
        os.environ["CLIENT_ID"],
        os.environ["CLIENT_SECRET"],
        os.environ["BASE_URL"],
        token_url=os.environ["TOKEN_URL"],
    ),
    user_agent="leadsportal-worker-test/1",
)
end = datetime.fromtimestamp(int(os.environ["ANCHOR_TS"]), UTC)
real_time = time.time
print("ready", flush=True)
for line in sys.stdin:
    offset = float(line)
    tokens.clock = lambda offset=offset: real_time() + offset
    windows, errors = [], []

    def work():
        try:
            windows.append(len(client.window(end - timedelta(days=1), end)))
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=work) for _ in range(int(os.environ["THREADS"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"windows": windows, "errors": errors}), flush=True)
"""
)


@pytest.fixture
def shared_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    kind = request.param
    if kind == "redis-url":
        import os

        yield redis_settings(os.environ["REDIS_URL"])
    elif kind == "redis-server":
        with redis_server() as location:
            yield redis_settings(location)
    else:
        yield sqlite_cache_settings(tmp_path)


def start_worker(shared: dict[str, Any], root: str) -> subprocess.Popen[str]:
    env = {
        **worker_env(),
        "SHARED_SETTINGS": json.dumps(shared),
        "CLIENT_ID": BORDEAUX,
        "CLIENT_SECRET": SECRETS[BORDEAUX],
        "BASE_URL": root + "/seeker-leads/v1",
        "TOKEN_URL": root + "/oauth/token",
        "ANCHOR_TS": str(int(ANCHOR.timestamp())),
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


def read_line(worker: subprocess.Popen[str]) -> str:
    assert worker.stdout is not None
    line = worker.stdout.readline()
    if not line:
        assert worker.stderr is not None
        raise AssertionError("worker stopped:\n" + worker.stderr.read())
    return line


@pytest.mark.parametrize("shared_settings", [cache_kind()], indirect=True)
def test_one_token_per_24_hours_across_processes(
    shared_settings: dict[str, Any], sandbox_server: Any, seeker_sandbox: Any
) -> None:
    # The limit is the client's to keep, and the subject here is the token: room for all.
    seeker_sandbox.configure(rate_limit=100)
    root = sandbox_server.url + "/seeker-sandbox"
    workers = [start_worker(shared_settings, root) for _ in range(WORKERS)]
    try:
        for worker in workers:  # every worker has its settings and its client
            assert read_line(worker).strip() == "ready"
        for offset, tokens_after in zip(OFFSETS, TOKENS_AFTER, strict=True):
            for worker in workers:  # then all of them go at once
                assert worker.stdin is not None
                worker.stdin.write(f"{offset}\n")
                worker.stdin.flush()
            reports = [json.loads(read_line(worker)) for worker in workers]

            assert [report["errors"] for report in reports] == [[]] * WORKERS
            assert sum(len(report["windows"]) for report in reports) == WORKERS * THREADS_PER_WORKER
            assert seeker_sandbox.token_requests(BORDEAUX) == tokens_after, f"at +{offset} s"
            if offset < 24 * 3600:
                assert seeker_sandbox.premature_tokens(BORDEAUX) == 0
    finally:
        for worker in workers:
            if worker.stdin:
                worker.stdin.close()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
