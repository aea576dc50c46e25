"""Response builders of the sandbox: JSON bodies, RFC 7807 problems and RFC 6749 token errors.

Bodies are UTF-8 JSON with real accented characters (not \\u escapes), the way the live API
answers, so the client's decoding is exercised. Problems carry a `traceId` extension member as
ASP.NET Core APIs do: clients must tolerate members they do not know.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

from leadsportal.sandbox.validation import FieldError

JSON = "application/json; charset=utf-8"
PROBLEM_JSON = "application/problem+json; charset=utf-8"

_PROBLEM_TYPES = {
    400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    401: "https://tools.ietf.org/html/rfc9110#section-15.5.2",
    403: "https://tools.ietf.org/html/rfc9110#section-15.5.4",
    404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    405: "https://tools.ietf.org/html/rfc9110#section-15.5.6",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
    503: "https://tools.ietf.org/html/rfc9110#section-15.6.4",
}


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(
    payload: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    return HttpResponse(dumps(payload), status=status, content_type=JSON, headers=headers)


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": _PROBLEM_TYPES.get(status, "about:blank"),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = [error.to_json() for error in errors]
    body["traceId"] = uuid.uuid4().hex
    return HttpResponse(dumps(body), status=status, content_type=PROBLEM_JSON, headers=headers)


def oauth_error(
    status: int, error: str, description: str, *, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """RFC 6749 §5.2 error body."""
    all_headers = {"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})}
    return json_response(
        {"error": error, "error_description": description}, status=status, headers=all_headers
    )
