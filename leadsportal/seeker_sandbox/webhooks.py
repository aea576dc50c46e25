"""Webhook calls of the Seeker sandbox: an HTTP POST to each active subscription's URL.

The live API documents the subscriptions but neither the payload of a call nor the header
that carries the subscription's apiKey; the public client treats a call as a signal to poll
now. So this sandbox sends a small JSON event (what happened, which lead, when) with the key
in `X-Api-Key` (both x-inferred in the contract), and a client must not need more than "there
is something new" from it.

Only http(s) URLs on the hosts of SEEKER_SANDBOX_WEBHOOK_HOSTS (loopback by default) are
accepted: the sandbox has public demo credentials and must not be a way to make this server
send requests anywhere. Redirects are not followed, for the same reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

KEY_HEADER = "X-Api-Key"
EVENT_TYPE = "LEAD_CREATED"
USER_AGENT = "aviv-seeker-leads-sandbox/1.4.0"
TIMEOUT = (3.05, 5.0)
URL_MAX = 2048
API_KEY_MAX = 256


def url_problem(url: Any) -> str | None:
    """Why the sandbox would not call this URL, or None."""
    if not isinstance(url, str) or not url:
        return "must be an http(s) URL"
    if len(url) > URL_MAX:
        return f"is longer than {URL_MAX} characters"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL"
    allowed = {host.strip("[]").lower() for host in settings.SEEKER_SANDBOX_WEBHOOK_HOSTS}
    if parts.hostname.lower() not in allowed:
        return "must be on a host the sandbox may call (SEEKER_SANDBOX_WEBHOOK_HOSTS)"
    return None


def deliver(
    subscription: dict[str, Any],
    lead_id: str,
    ingestion_ts: int,
    record: Callable[[str, dict[str, Any]], None],
) -> None:
    """One call, recorded in the subscription's audit whatever its outcome."""
    now = int(time.time())
    payload = {
        "eventType": EVENT_TYPE,
        "subscriptionId": subscription["subscriptionId"],
        "leadId": lead_id,
        "ingestionDate": ingestion_ts,
        "timestamp": now,
    }
    status: int | None = None
    started = time.perf_counter()
    try:
        response = requests.post(
            subscription["url"],
            json=payload,
            headers={KEY_HEADER: subscription.get("apiKey") or "", "User-Agent": USER_AGENT},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        status = response.status_code
        response.close()
    except requests.RequestException:
        status = None
    record(
        subscription["subscriptionId"],
        {
            "timestamp": now,
            "success": status is not None and 200 <= status < 300,
            "httpStatus": status,
            "leadId": lead_id,
            "durationMs": round((time.perf_counter() - started) * 1000, 1),
        },
    )
