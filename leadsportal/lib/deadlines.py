"""How long the work in progress may still wait on the upstream, whatever it calls.

A web request opens one scope (`core.middleware.UpstreamDeadlineMiddleware`, with
`settings.LEADS_API_PAGE_DEADLINE`): every upstream call made inside it, however many searches,
fetches by id and retries, shares that one budget, and the client shortens its timeouts to what
is left. An export opens a scope of its own for each of its pages (`replace=True`), since the
file as a whole may take minutes. Background tasks open none: the client's timeouts bound them.

A context variable, so that the budget follows the work into threads started with a copy of
the context (the fan-out of leads by id, an export's page fetches).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ends_at: ContextVar[float | None] = ContextVar("leadsportal_upstream_deadline", default=None)


@contextmanager
def deadline_scope(seconds: float, *, replace: bool = False) -> Iterator[None]:
    """Inside, the upstream may be waited on for `seconds` at most in all.

    Nested scopes keep the earlier end unless `replace` (a new budget, e.g. an export's page).
    """
    ends_at = time.monotonic() + seconds
    outer = _ends_at.get()
    if outer is not None and not replace:
        ends_at = min(ends_at, outer)
    token = _ends_at.set(ends_at)
    try:
        yield
    finally:
        _ends_at.reset(token)


def seconds_left() -> float | None:
    """What is left of the current scope's budget (may be ≤ 0), or None outside any scope."""
    ends_at = _ends_at.get()
    return None if ends_at is None else ends_at - time.monotonic()


# Under a deadline, a call that would have less than this left is not started.
MIN_CALL_SECONDS = 0.05


def sleep_within(seconds: float) -> bool:
    """Sleep before a retry, unless the retry could not even start within the deadline."""
    left = seconds_left()
    if left is not None and seconds + MIN_CALL_SECONDS > left:
        return False
    if seconds > 0:
        time.sleep(seconds)
    return True
