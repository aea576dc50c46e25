"""What both upstream clients do between two attempts of a call: how long to wait."""

from __future__ import annotations

import email.utils
import random
import time

import requests

BACKOFF_BASE_SECONDS = 0.2


def retry_after_seconds(response: requests.Response) -> float | None:
    """The wait a Retry-After header asks for (seconds or an HTTP date), if any."""
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_seconds(attempt: int) -> float:
    """Exponential, with jitter: attempts of many workers do not arrive together."""
    return float(BACKOFF_BASE_SECONDS * (2**attempt) * (0.5 + random.random()))
