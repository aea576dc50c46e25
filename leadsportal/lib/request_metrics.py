"""Per-request counters of upstream calls, read by the request log.

A context variable rather than a thread-local so that the counts follow the request across
threads started with `contextvars.copy_context()` (e.g. concurrent page fetches of an export).
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class RequestMetrics:
    upstream_calls: int = 0
    upstream_ms: float = 0.0
    token_requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_call(self, duration_ms: float) -> None:
        with self._lock:
            self.upstream_calls += 1
            self.upstream_ms += duration_ms

    def record_token_request(self) -> None:
        with self._lock:
            self.token_requests += 1


_current: ContextVar[RequestMetrics | None] = ContextVar(
    "leadsportal_request_metrics", default=None
)


def begin() -> RequestMetrics:
    metrics = RequestMetrics()
    _current.set(metrics)
    return metrics


def current() -> RequestMetrics | None:
    return _current.get()


def end() -> None:
    _current.set(None)
