"""Validation of the Seeker sandbox's requests, the way the contract describes it.

Every faulty member is reported (not only the first), each as {name, reason, meta}: `name` is
a query parameter's name or a JSON pointer into the body. Choices where the notes are silent
(marked x-inferred in the contract): integers are decimal digits; `limit` defaults to 10;
unknown body members are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from leadsportal.seeker_sandbox import store, webhooks
from leadsportal.seeker_sandbox.data import CATEGORIES, INTENTIONS, PORTALS
from leadsportal.seeker_sandbox.responses import field_error

MAX_WINDOW_SECONDS = 7 * 86_400
PAGE_SIZE_MAX = 100
PAGE_SIZE_DEFAULT = 10
AUDIT_LIMIT_MAX = 100
AUDIT_LIMIT_DEFAULT = 10
SUBSCRIPTION_STATUSES = ("ACTIVE", "INACTIVE")
# What the server assigns to a new lead; a body that sets them is refused.
_ASSIGNED = ("leadId", "ingestionDate", "TTL")


class ValidationFailed(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(", ".join(str(error["name"]) for error in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class LeadsQuery:
    min_date: int
    max_date: int
    limit: int
    cursor: tuple[int, int] | None
    raw_cursor: str | None


def _single(query: QueryDict, name: str, errors: list[dict[str, Any]]) -> str | None:
    values = query.getlist(name)
    if len(values) > 1:
        errors.append(field_error(name, "must be given once"))
        return None
    return values[0] if values else None


def _integer(
    query: QueryDict,
    name: str,
    errors: list[dict[str, Any]],
    *,
    required: bool = False,
    low: int = 0,
    high: int | None = None,
) -> int | None:
    raw = _single(query, name, errors)
    if raw is None:
        if required and name not in {str(error["name"]) for error in errors}:
            errors.append(field_error(name, "is required"))
        return None
    if not raw.isdigit() or len(raw) > 12:
        errors.append(field_error(name, "must be a whole number", value=raw[:40]))
        return None
    value = int(raw)
    if value < low or (high is not None and value > high):
        errors.append(field_error(name, f"must be between {low} and {high}", value=value))
        return None
    return value


def leads_query(query: QueryDict) -> LeadsQuery:
    errors: list[dict[str, Any]] = []
    min_date = _integer(query, "minDate", errors, required=True)
    max_date = _integer(query, "maxDate", errors, required=True)
    limit = _integer(query, "limit", errors, low=1, high=PAGE_SIZE_MAX)
    raw_cursor = _single(query, "start", errors)
    cursor = None
    if raw_cursor is not None:
        cursor = store.decode_cursor(raw_cursor)
        if cursor is None:
            errors.append(field_error("start", "is not a cursor of this API"))
    if min_date is not None and max_date is not None:
        if max_date < min_date:
            errors.append(field_error("maxDate", "must not be before minDate"))
        elif max_date - min_date > MAX_WINDOW_SECONDS:
            errors.append(
                field_error(
                    "maxDate",
                    f"the period is at most 7 days ({MAX_WINDOW_SECONDS} seconds)",
                    limit=MAX_WINDOW_SECONDS,
                )
            )
    if errors:
        raise ValidationFailed(errors)
    assert min_date is not None and max_date is not None
    return LeadsQuery(min_date, max_date, limit or PAGE_SIZE_DEFAULT, cursor, raw_cursor)


def audit_limit(query: QueryDict) -> int:
    errors: list[dict[str, Any]] = []
    limit = _integer(query, "limit", errors, low=1, high=AUDIT_LIMIT_MAX)
    if errors:
        raise ValidationFailed(errors)
    return limit or AUDIT_LIMIT_DEFAULT


def json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed([field_error("", "the body must be a JSON object")]) from exc
    if not isinstance(value, dict):
        raise ValidationFailed([field_error("", "the body must be a JSON object")])
    return value


def subscription(body: bytes) -> dict[str, Any]:
    """{url, apiKey, status}: every member required, each checked."""
    obj = json_object(body)
    errors: list[dict[str, Any]] = []
    why = webhooks.url_problem(obj.get("url"))
    if why:
        errors.append(field_error("/url", why))
    api_key = obj.get("apiKey")
    if not isinstance(api_key, str) or not 1 <= len(api_key) <= webhooks.API_KEY_MAX:
        errors.append(field_error("/apiKey", f"must be a string of 1 to {webhooks.API_KEY_MAX}"))
    if obj.get("status") not in SUBSCRIPTION_STATUSES:
        errors.append(field_error("/status", "must be ACTIVE or INACTIVE"))
    if errors:
        raise ValidationFailed(errors)
    return {"url": obj["url"], "apiKey": api_key, "status": obj["status"]}


@dataclass(frozen=True, slots=True)
class NewLead:
    category: str
    portal: str | None
    intention: str | None
    members: dict[str, Any]


def new_lead(body: bytes) -> NewLead:
    """POST /leads: metadata.leadCategory required; the server assigns id, date and TTL."""
    obj = json_object(body)
    errors: list[dict[str, Any]] = []
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        raise ValidationFailed([field_error("/metadata", "is required (an object)")])
    category = metadata.get("leadCategory")
    if category not in CATEGORIES:
        errors.append(
            field_error("/metadata/leadCategory", f"must be one of {', '.join(CATEGORIES)}")
        )
    portal = metadata.get("portal")
    if portal is not None and portal not in PORTALS:
        errors.append(field_error("/metadata/portal", "is not a portal code"))
    intention = metadata.get("seekerIntention")
    if intention is not None and intention not in INTENTIONS:
        errors.append(
            field_error("/metadata/seekerIntention", f"must be one of {', '.join(INTENTIONS)}")
        )
    for name in _ASSIGNED:
        if name in metadata:
            errors.append(field_error(f"/metadata/{name}", "is assigned by the API"))
    members: dict[str, Any] = {}
    for name in ("contactRequest", "property", "callDetails"):
        value = obj.get(name)
        if value is not None and not isinstance(value, dict):
            errors.append(field_error(f"/{name}", "must be an object"))
        elif value is not None:
            members[name] = value
    distribution = obj.get("distributionType")
    if distribution is not None:
        if not isinstance(distribution, list) or not all(isinstance(i, str) for i in distribution):
            errors.append(field_error("/distributionType", "must be a list of strings"))
        else:
            members["distributionType"] = distribution
    if errors:
        raise ValidationFailed(errors)
    return NewLead(str(category), portal, intention, members)
