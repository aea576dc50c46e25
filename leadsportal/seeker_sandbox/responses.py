"""Response builders of the Seeker sandbox: JSON, RFC 7807 problems, OAuth errors, traceparent.

Every answer carries a W3C `traceparent` header, and a problem's `instance` is that same
value, as the live API does: it is what AVIV's support asks for. Bodies are UTF-8 JSON with
real accented characters, so the client's decoding is exercised.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

JSON = "application/json; charset=utf-8"
PROBLEM_JSON = "application/problem+json; charset=utf-8"
PROBLEM_TYPE_BASE = "https://api.aviv-group.com/seeker-leads/v1/problems/"


def traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(
    payload: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    response = HttpResponse(dumps(payload), status=status, content_type=JSON, headers=headers)
    response.headers.setdefault("traceparent", traceparent())
    return response


def empty_response(status: int = 204) -> HttpResponse:
    response = HttpResponse(status=status)
    response.headers["traceparent"] = traceparent()
    return response


def problem(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    title: str | None = None,
) -> HttpResponse:
    trace = traceparent()
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + phrase.lower().replace(" ", "-"),
        "title": title or phrase,
        "status": status,
        "detail": detail,
        "instance": trace,
    }
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(dumps(body), status=status, content_type=PROBLEM_JSON, headers=headers)
    response.headers["traceparent"] = trace
    return response


def field_error(name: str, reason: str, **meta: Any) -> dict[str, Any]:
    """One validation error: `name` is a JSON pointer into the body, or a parameter's name."""
    return {"name": name, "reason": reason, "meta": meta}


def oauth_error(
    status: int, error: str, description: str, *, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    all_headers = {"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})}
    return json_response(
        {"error": error, "error_description": description}, status=status, headers=all_headers
    )
