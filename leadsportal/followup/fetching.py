"""Leads fetched one by one (GET /v2/leads/{id}), concurrently and through a short cache.

The "status" and "mes leads" lists, and the "other leads of this contact" page, know their
leads only by id (from our database): the page's leads are fetched by id, at most
`MAX_WORKERS` at a time (the API allows 10 concurrent requests per client), each thread running
in a copy of the request's context so that its calls count in the request log. A lead stays in
Django's cache for `CACHE_SECONDS`, keyed by agency and lead id, so paging back and forth or
acting on a lead right after opening it costs no new call.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from django.core.cache import cache

from leadsportal.agencies.models import Agency
from leadsportal.leads_api import Lead, LeadsApiNotFound, get_client

MAX_WORKERS: Final = 4
CACHE_SECONDS: Final = 60
# Cached for an unknown (or another agency's) id, so that a forged id costs one call a minute.
_GONE: Final = "gone"


def _cache_key(agency: Agency, lead_id: str) -> str:
    # The client id is part of the key: new credentials for the agency start a fresh cache.
    client = hashlib.sha256(agency.client_id.encode()).hexdigest()[:12]
    return f"followup:lead:{agency.pk}:{client}:{lead_id}"


def leads_fetch_by_id(*, agency: Agency, lead_ids: Iterable[str]) -> dict[str, Lead | None]:
    """Each lead by id (None: unknown to the API for this agency, e.g. expired or forged).

    Raises LeadsApiError (or SecretDecryptionError) when the API cannot answer; the leads
    fetched before the error stay cached.
    """
    ids = list(dict.fromkeys(lead_ids))
    if not ids:
        return {}
    keys = {lead_id: _cache_key(agency, lead_id) for lead_id in ids}
    cached = cache.get_many(list(keys.values()))
    found: dict[str, Lead | None] = {}
    missing: list[str] = []
    for lead_id in ids:
        value = cached.get(keys[lead_id])
        if isinstance(value, Lead):
            found[lead_id] = value
        elif value == _GONE:
            found[lead_id] = None
        else:
            missing.append(lead_id)
    if not missing:
        return found

    client = get_client(agency.api_credentials())

    def fetch(lead_id: str) -> Lead | None:
        try:
            return client.get_lead(lead_id)
        except LeadsApiNotFound:
            return None

    fetched: dict[str, Lead | None] = {}
    error: BaseException | None = None
    if len(missing) == 1:
        try:
            fetched[missing[0]] = fetch(missing[0])
        except Exception as exc:
            error = exc
    else:
        with ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="lead-by-id") as pool:
            futures = {
                lead_id: pool.submit(contextvars.copy_context().run, fetch, lead_id)
                for lead_id in missing
            }
            for lead_id, future in futures.items():
                try:
                    fetched[lead_id] = future.result()
                except Exception as exc:
                    error = error or exc
    cache.set_many(
        {keys[lead_id]: lead if lead is not None else _GONE for lead_id, lead in fetched.items()},
        timeout=CACHE_SECONDS,
    )
    if error is not None:
        raise error
    found.update(fetched)
    return {lead_id: found[lead_id] for lead_id in ids}


def lead_fetch(*, agency: Agency, lead_id: str) -> Lead | None:
    """One lead of the agency (cached), or None when the API does not know it for this agency."""
    return leads_fetch_by_id(agency=agency, lead_ids=[lead_id])[lead_id]


def lead_forget(*, agency: Agency, lead_id: str) -> None:
    cache.delete(_cache_key(agency, lead_id))
