"""Each export test starts with an empty task queue: `queued_exports()` then shows only the
jobs its own clicks queued (record ids start again with each test's database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_queued_tasks() -> Iterator[None]:
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    if isinstance(HUEY.storage, MemoryStorage):  # the session's queue (tests/conftest.py)
        HUEY.storage.flush_queue()
    yield
