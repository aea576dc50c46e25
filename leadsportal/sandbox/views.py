"""HTTP face of the sandbox: the token endpoint, the seven API routes and the control endpoints.

The API routes follow the contract (../shared/api/gsl-leads-v2.yaml, copied in
docs/api/gsl-leads-v2.yaml). Every API request goes through the same gate, in this order:
latency → bearer token (401) → counted → scope (403) → rate limit (429) → injected fault →
validation (400) → answer. Faults are injected on API routes only: the token endpoint gets the
latency but no faults, because identity providers are usually a separate, sturdier service and
benchmarks that turn faults on should measure the leads calls, not token retries.

The control endpoints (/sandbox/_control...) have no authentication: the sandbox is a
development and test tool, mounted only when LEADS_SANDBOX_ENABLED, and every view answers 404
when that setting is off. They never touch the database, like the rest of the sandbox.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from leadsportal.sandbox import store, tokens
from leadsportal.sandbox.data import LEAD_TYPES
from leadsportal.sandbox.responses import json_response, oauth_error, problem
from leadsportal.sandbox.state import state
from leadsportal.sandbox.validation import (
    ValidationFailed,
    parse_body,
    parse_classified_id,
    parse_page,
    parse_search,
)

ApiView = Callable[..., HttpResponse]

_MALFORMED_BODY = b'{"Data":{"Leads":[{"leadMetaInfos":{"leadId":"2f1c7a9e-4b0d-4c1e-9a57'


def _require_enabled() -> None:
    if not settings.LEADS_SANDBOX_ENABLED:
        raise Http404("The sandbox is disabled.")


def _fault_response(kind: str, path: str) -> HttpResponse:
    if kind == "malformed":
        return HttpResponse(_MALFORMED_BODY, content_type="application/json; charset=utf-8")
    if kind == "unavailable503":
        return problem(
            503,
            "The service is temporarily unavailable (injected fault).",
            instance=path,
            headers={"Retry-After": "1"},
        )
    return problem(500, "An unexpected error occurred (injected fault).", instance=path)


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def api_route(operation: str, method: str) -> Callable[[ApiView], ApiView]:
    """Wraps an API view in the gate; the view receives the authenticated client id."""

    def decorator(view: ApiView) -> ApiView:
        @csrf_exempt
        @never_cache
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            _require_enabled()
            path = request.path
            if request.method != method:
                return problem(
                    405, f"Use {method} on this route.", instance=path, headers={"Allow": method}
                )
            state.wait(state.latency_ms / 1000)
            token = _bearer_token(request)
            if token is None:
                state.record_api_request(None, operation)
                return problem(
                    401,
                    "A bearer access token is required.",
                    instance=path,
                    headers={"WWW-Authenticate": 'Bearer realm="gsl-leads"'},
                )
            try:
                principal = tokens.verify(token)
            except tokens.TokenError as exc:
                state.record_api_request(None, operation)
                return problem(
                    401,
                    str(exc),
                    instance=path,
                    headers={"WWW-Authenticate": 'Bearer realm="gsl-leads", error="invalid_token"'},
                )
            state.record_api_request(principal.client_id, operation)
            if tokens.SCOPE not in principal.scopes:
                return problem(
                    403,
                    f"The access token lacks the scope {tokens.SCOPE}.",
                    instance=path,
                    headers={
                        "WWW-Authenticate": (
                            f'Bearer realm="gsl-leads", error="insufficient_scope", scope="{tokens.SCOPE}"'
                        )
                    },
                )
            retry_after = state.check_rate(principal.client_id)
            if retry_after is not None:
                return problem(
                    429,
                    f"Rate limit of {state.rate_limit} requests per second exceeded.",
                    instance=path,
                    headers={"Retry-After": str(retry_after)},
                )
            fault = state.draw_fault()
            if fault == "stall":
                state.wait(state.stall_seconds)
            elif fault is not None:
                return _fault_response(fault, path)
            try:
                return view(request, principal.client_id, **kwargs)
            except ValidationFailed as exc:
                return problem(
                    400, "One or more validation errors occurred.", instance=path, errors=exc.errors
                )

        return wrapper

    return decorator


# --- API routes -----------------------------------------------------------------------------


def _page_response(leads: list[dict[str, Any]], count: int) -> HttpResponse:
    return json_response({"Data": {"Leads": leads}, "Count": count})


def _search(request: HttpRequest, client_id: str, lead_type: str | None) -> HttpResponse:
    criteria = parse_search(request.body)
    leads, count = store.search(client_id, criteria, lead_type=lead_type)
    return _page_response(leads, count)


@api_route("searchLeads", "POST")
def search_leads(request: HttpRequest, client_id: str) -> HttpResponse:
    return _search(request, client_id, None)


@api_route("searchClassifiedLeads", "POST")
def search_classified_leads(request: HttpRequest, client_id: str) -> HttpResponse:
    return _search(request, client_id, "CLASSIFIED")


@api_route("searchAgencyLeads", "POST")
def search_agency_leads(request: HttpRequest, client_id: str) -> HttpResponse:
    return _search(request, client_id, "AGENCY")


@api_route("searchSellerLeads", "POST")
def search_seller_leads(request: HttpRequest, client_id: str) -> HttpResponse:
    return _search(request, client_id, "SELLER")


@api_route("searchPropertySearchLeads", "POST")
def search_property_search_leads(request: HttpRequest, client_id: str) -> HttpResponse:
    return _search(request, client_id, "PROPERTY_SEARCH")


@api_route("getClassifiedLeads", "POST")
def get_classified_leads(request: HttpRequest, client_id: str, classified_id: str) -> HttpResponse:
    errors = []
    try:
        listing_id = parse_classified_id(classified_id)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        listing_id = 0
    try:
        body = parse_body(request.body, required=False)
    except ValidationFailed as exc:
        raise ValidationFailed(errors + exc.errors) from exc
    page = parse_page(body, errors)
    if errors:
        raise ValidationFailed(errors)
    leads, count = store.classified_leads(client_id, listing_id, page)
    return _page_response(leads, count)


@api_route("getLead", "GET")
def get_lead(request: HttpRequest, client_id: str, lead_id: str) -> HttpResponse:
    lead = store.lead(client_id, lead_id)
    if lead is None:
        return problem(404, f"No lead {lead_id!r} for this client.", instance=request.path)
    return json_response(lead)


# --- OAuth 2.0 token endpoint ---------------------------------------------------------------


def _basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """(client_id, client_secret) from HTTP Basic, form-urlencoded inside (RFC 6749 §2.3.1)."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _, secret = decoded.partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


@csrf_exempt
@never_cache
def token(request: HttpRequest) -> HttpResponse:
    _require_enabled()
    if request.method != "POST":
        return oauth_error(405, "invalid_request", "Use POST.", headers={"Allow": "POST"})
    state.wait(state.latency_ms / 1000)
    content_type = request.content_type or ""
    form = request.POST if content_type == "application/x-www-form-urlencoded" else None
    basic = _basic_credentials(request)
    form_id = form.get("client_id", "") if form is not None else ""
    state.record_token_request(basic[0] if basic else form_id)
    if form is None:
        return oauth_error(
            400, "invalid_request", "The body must be application/x-www-form-urlencoded."
        )
    repeated = [name for name in form if len(form.getlist(name)) > 1]
    if repeated:
        return oauth_error(400, "invalid_request", f"Repeated parameter(s): {', '.join(repeated)}.")
    if basic is not None:
        client_id, secret = basic
        if (form_id and form_id != client_id) or (
            "client_secret" in form and form["client_secret"] != secret
        ):
            return oauth_error(
                400, "invalid_request", "Client credentials differ between Basic and form."
            )
    else:
        client_id, secret = form_id, form.get("client_secret", "")
    if not client_id or not tokens.check_client(client_id, secret):
        return oauth_error(
            401,
            "invalid_client",
            "Client authentication failed.",
            headers={"WWW-Authenticate": 'Basic realm="gsl-leads"'},
        )
    grant_type = form.get("grant_type")
    if not grant_type:
        return oauth_error(400, "invalid_request", "Missing grant_type.")
    if grant_type != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    requested = set(form.get("scope", "").split()) or {tokens.SCOPE}
    unknown = requested - tokens.KNOWN_SCOPES
    if unknown:
        return oauth_error(400, "invalid_scope", f"Unknown scope(s): {' '.join(sorted(unknown))}.")
    scope = " ".join(sorted(requested))
    ttl = state.token_ttl
    access_token = tokens.issue(client_id, scope=scope, ttl=ttl)
    state.record_token_issued(client_id)
    return json_response(
        {"access_token": access_token, "token_type": "Bearer", "expires_in": ttl, "scope": scope},
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


# --- Control endpoints (development tool, no authentication) --------------------------------


def _control_error(message: str, status: int = 400) -> HttpResponse:
    return json_response({"error": message}, status=status)


def _json_object(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return body if isinstance(body, dict) else None


@never_cache
def control_stats(request: HttpRequest) -> HttpResponse:
    """GET: counters and knobs as JSON (see SandboxState.stats)."""
    _require_enabled()
    if request.method != "GET":
        return _control_error("Use GET.", 405)
    return json_response(state.stats())


@csrf_exempt
@never_cache
def control(request: HttpRequest) -> HttpResponse:
    """POST {"reset": true, "reset_counters": true, <knob>: value...} → {"knobs": {...}}."""
    _require_enabled()
    if request.method != "POST":
        return _control_error("Use POST.", 405)
    body = _json_object(request)
    if body is None:
        return _control_error("The body must be a JSON object.")
    if body.pop("reset", False):
        state.reset()
    if body.pop("reset_counters", False):
        state.reset_counters()
    try:
        knobs = state.configure(**body)
    except ValueError as exc:
        return _control_error(str(exc))
    return json_response({"knobs": asdict(knobs)})


@csrf_exempt
@never_cache
def control_leads(request: HttpRequest) -> HttpResponse:
    """POST {"client_id", "leadType"?, "creationDate"?, "portal"?, "classifiedId"?, "lead"?} → {"leadId"}."""
    _require_enabled()
    if request.method != "POST":
        return _control_error("Use POST.", 405)
    body = _json_object(request)
    if body is None:
        return _control_error("The body must be a JSON object.")
    overrides: dict[str, Any] = {}
    for source, target in (
        ("creationDate", "creation_date"),
        ("portal", "portal"),
        ("classifiedId", "classified_id"),
    ):
        if body.get(source) is not None:
            overrides[target] = body[source]
    lead = body.get("lead") or {}
    if not isinstance(lead, dict):
        return _control_error("'lead' must be an object of Lead members to merge.")
    lead_type = body.get("leadType", "CLASSIFIED")
    if lead_type not in LEAD_TYPES:
        return _control_error(f"leadType must be one of {', '.join(LEAD_TYPES)}.")
    try:
        lead_id = state.add_lead(str(body.get("client_id", "")), lead_type, **overrides, **lead)
    except (TypeError, ValueError) as exc:
        return _control_error(str(exc))
    return json_response({"leadId": lead_id}, status=201)


@csrf_exempt
@never_cache
def control_token(request: HttpRequest) -> HttpResponse:
    """POST {"client_id", "scope"?: "", "ttl"?: seconds} → {"access_token"}: any scope, any ttl."""
    _require_enabled()
    if request.method != "POST":
        return _control_error("Use POST.", 405)
    body = _json_object(request)
    if body is None:
        return _control_error("The body must be a JSON object.")
    scope = body.get("scope", tokens.SCOPE)
    ttl = body.get("ttl")
    if not isinstance(scope, str) or (
        ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int))
    ):
        return _control_error("scope must be a string and ttl an integer.")
    try:
        access_token = state.issue_token(str(body.get("client_id", "")), scope=scope, ttl=ttl)
    except ValueError as exc:
        return _control_error(str(exc))
    return json_response({"access_token": access_token})
