"""HTTP face of the Seeker sandbox: the token endpoint, the API routes and the control endpoints.

Every API request goes through one gate, in this order: User-Agent (403, as AVIV's firewall
blocks requests without one) → method (405) → bearer token (401) → counted → scope (403 "Bad
Scope") → rate limit (429, 10 per 200 ms) → latency → injected fault → validation (400) →
answer. The token endpoint gets the User-Agent check and the latency but no faults: identity
providers are usually a separate, sturdier service, and benchmarks that turn faults on should
measure the leads calls, not token retries.

The control endpoints (/seeker-sandbox/_control...) have no authentication: the sandbox is a
development and test tool, mounted only when LEADS_SANDBOX_ENABLED (every view answers 404
when it is off), and the control routes only with LEADS_SANDBOX_CONTROL_ENABLED.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from leadsportal.seeker_sandbox import store, tokens, validation
from leadsportal.seeker_sandbox.data import CATEGORIES
from leadsportal.seeker_sandbox.responses import (
    empty_response,
    json_response,
    oauth_error,
    problem,
)
from leadsportal.seeker_sandbox.state import state
from leadsportal.seeker_sandbox.validation import ValidationFailed

ApiView = Callable[..., HttpResponse]

_MALFORMED_BODY = b'{"items":[{"metadata":{"leadId":"7c2d","ingestionDate":17'
_REALM = 'Bearer realm="seeker-leads"'


def _require_enabled() -> None:
    if not settings.LEADS_SANDBOX_ENABLED:
        raise Http404("The sandbox is disabled.")


def _user_agent(request: HttpRequest) -> str:
    user_agent = request.headers.get("User-Agent", "").strip()
    state.record_user_agent(user_agent)
    return user_agent


def _blocked() -> HttpResponse:
    return problem(403, "Requests without a User-Agent header are blocked.")


def _fault_response(kind: str) -> HttpResponse:
    if kind == "malformed":
        return HttpResponse(_MALFORMED_BODY, content_type="application/json")
    if kind == "unavailable503":
        return problem(
            503,
            "The service is temporarily unavailable (injected fault).",
            headers={"Retry-After": "1"},
        )
    return problem(500, "An unexpected error occurred (injected fault).")


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def api_route(operations: Mapping[str, str]) -> Callable[[ApiView], ApiView]:
    """Wraps an API view in the gate; `operations` maps each allowed method to its operationId.
    The view receives the authenticated client id."""

    def decorator(view: ApiView) -> ApiView:
        @csrf_exempt
        @never_cache
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            _require_enabled()
            if not _user_agent(request):
                state.wait(state.knobs.latency_ms / 1000)
                return _blocked()
            method = request.method or ""
            if method not in operations:
                allowed = ", ".join(operations)
                return problem(405, f"Use {allowed} on this route.", headers={"Allow": allowed})
            token = _bearer_token(request)
            if token is None:
                state.record_api_request(None, operations[method])
                return problem(
                    401, "A bearer access token is required.", headers={"WWW-Authenticate": _REALM}
                )
            try:
                principal = tokens.verify(token)
            except tokens.TokenError as exc:
                state.record_api_request(None, operations[method])
                return problem(
                    401, str(exc), headers={"WWW-Authenticate": f'{_REALM}, error="invalid_token"'}
                )
            client_id = principal.client_id
            state.record_api_request(client_id, operations[method])
            if tokens.SCOPE not in principal.scopes:
                return problem(
                    403, f"The access token lacks the scope {tokens.SCOPE}.", title="Bad Scope"
                )
            generation = state.begin_request(client_id)
            try:
                if not state.check_rate(client_id):
                    return problem(
                        429,
                        f"At most {state.knobs.rate_limit} requests every 200 ms.",
                        headers={"Retry-After": "1"},
                    )
                state.wait(state.knobs.latency_ms / 1000)
                fault = state.draw_fault()
                if fault == "stall":
                    state.wait(state.knobs.stall_seconds)
                elif fault is not None:
                    return _fault_response(fault)
                try:
                    return view(request, client_id, **kwargs)
                except ValidationFailed as exc:
                    return problem(
                        400,
                        "One or more fields are invalid.",
                        title="Validation Error",
                        errors=exc.errors,
                    )
            finally:
                state.end_request(client_id, generation)

        return wrapper

    return decorator


# --- API routes -------------------------------------------------------------------------------


@api_route({"GET": "getLeads", "POST": "createLead"})
def leads(request: HttpRequest, client_id: str) -> HttpResponse:
    if request.method == "POST":
        return _create_lead(request, client_id)
    query = validation.leads_query(request.GET)
    if query.cursor is None:
        state.record_window(client_id, query.min_date, query.max_date)
    items, following = store.page(
        client_id, query.min_date, query.max_date, query.limit, query.cursor
    )
    if not items and following is None and query.cursor is None:
        return problem(404, "No lead in this period.")
    if following is None:
        return json_response({"items": items, "links": {}})
    params = {
        "minDate": query.min_date,
        "maxDate": query.max_date,
        "limit": query.limit,
        "start": store.encode_cursor(following),
    }
    next_url = request.build_absolute_uri(request.path) + "?" + urlencode(params)
    return json_response({"items": items, "links": {"next": next_url}}, status=206)


def _create_lead(request: HttpRequest, client_id: str) -> HttpResponse:
    new = validation.new_lead(request.body)
    lead_id = state.add_lead(
        client_id, new.category, portal=new.portal, seeker_intention=new.intention, **new.members
    )
    return json_response(store.lead(client_id, lead_id), status=201)


@api_route({"GET": "getLead"})
def lead(request: HttpRequest, client_id: str, lead_id: str) -> HttpResponse:
    found = store.lead(client_id, lead_id)
    if found is None:
        return problem(404, "No such lead for this client.")
    return json_response(found)


@api_route({"POST": "createSubscription"})
def subscriptions(request: HttpRequest, client_id: str) -> HttpResponse:
    body = validation.subscription(request.body)
    return json_response(state.subscription_create(client_id, body), status=201)


@api_route({"PUT": "updateSubscription", "DELETE": "deleteSubscription"})
def subscription(request: HttpRequest, client_id: str, subscription_id: str) -> HttpResponse:
    if request.method == "DELETE":
        if not state.subscription_delete(client_id, subscription_id):
            return problem(404, "No such subscription for this client.")
        return empty_response(204)
    if state.subscription(client_id, subscription_id) is None:
        return problem(404, "No such subscription for this client.")
    updated = state.subscription_update(
        client_id, subscription_id, validation.subscription(request.body)
    )
    if updated is None:  # deleted in between
        return problem(404, "No such subscription for this client.")
    return json_response(updated)


@api_route({"GET": "getSubscriptionAudit"})
def subscription_audit(request: HttpRequest, client_id: str, subscription_id: str) -> HttpResponse:
    limit = validation.audit_limit(request.GET)
    if state.subscription(client_id, subscription_id) is None:
        return problem(404, "No such subscription for this client.")
    return json_response(state.audit(subscription_id, limit))


# --- Token endpoint ---------------------------------------------------------------------------


@csrf_exempt
@never_cache
def token(request: HttpRequest) -> HttpResponse:
    """POST a JSON body {client_id, client_secret, grant_type, audience[, intermediary_id]}."""
    _require_enabled()
    user_agent = _user_agent(request)
    state.wait(state.knobs.latency_ms / 1000)
    if not user_agent:
        return _blocked()
    if request.method != "POST":
        return oauth_error(405, "invalid_request", "Use POST.", headers={"Allow": "POST"})
    if (request.content_type or "") != "application/json":
        return oauth_error(400, "invalid_request", "The body must be application/json.")
    try:
        body = json.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        body = None
    if not isinstance(body, dict):
        return oauth_error(400, "invalid_request", "The body must be a JSON object.")
    client_id, secret = body.get("client_id"), body.get("client_secret")
    state.record_token_request(client_id if isinstance(client_id, str) else "")
    if not all(
        isinstance(body.get(name), str) for name in ("client_id", "client_secret", "grant_type")
    ):
        return oauth_error(
            400, "invalid_request", "client_id, client_secret and grant_type are required."
        )
    assert isinstance(client_id, str) and isinstance(secret, str)
    if not tokens.check_client(client_id, secret):
        return oauth_error(401, "access_denied", "Unauthorized")
    if body["grant_type"] != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    audience = body.get("audience")
    if not isinstance(audience, str) or not audience:
        return oauth_error(403, "access_denied", "An audience is required.")
    if not tokens.audience_ok(audience):
        return oauth_error(
            403, "access_denied", f"Service not enabled within domain: {audience[:200]}"
        )
    ttl = state.knobs.token_ttl
    access_token = tokens.issue(client_id, scope=tokens.SCOPE, ttl=ttl, audience=audience)
    state.record_token_issued(client_id, ttl)
    return json_response(
        {"access_token": access_token, "token_type": "Bearer", "expires_in": ttl},
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


# --- Control endpoints (development tool, no authentication) ----------------------------------


def _control_error(message: str, status: int = 400) -> HttpResponse:
    return json_response({"error": message}, status=status)


def _json_object(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _control_post(
    view: Callable[[dict[str, Any]], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    @csrf_exempt
    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        _require_enabled()
        if request.method != "POST":
            return _control_error("Use POST.", 405)
        body = _json_object(request)
        if body is None:
            return _control_error("The body must be a JSON object.")
        return view(body)

    return wrapper


@csrf_exempt
@never_cache
def control_stats(request: HttpRequest) -> HttpResponse:
    _require_enabled()
    if request.method != "GET":
        return _control_error("Use GET.", 405)
    return json_response(state.stats())


@_control_post
def control(body: dict[str, Any]) -> HttpResponse:
    """{"reset"?: true, "reset_counters"?: true, <knob>: value...} → {"knobs": {...}}."""
    if body.pop("reset", False):
        state.reset()
    if body.pop("reset_counters", False):
        state.reset_counters()
    try:
        knobs = state.configure(**body)
    except ValueError as exc:
        return _control_error(str(exc))
    return json_response({"knobs": asdict(knobs)})


@_control_post
def control_leads(body: dict[str, Any]) -> HttpResponse:
    """{"client_id", "leadCategory"?, "ingestionDate"?, "portal"?, "classifiedId"?,
    "seekerIntention"?, "erased"?, "lead"?: {members to merge}} → 201 {"leadId", "webhooks"}."""
    overrides: dict[str, Any] = {}
    for source, target in (
        ("ingestionDate", "ingestion_date"),
        ("portal", "portal"),
        ("classifiedId", "classified_id"),
        ("seekerIntention", "seeker_intention"),
        ("erased", "erased"),
    ):
        if body.get(source) is not None:
            overrides[target] = body[source]
    lead = body.get("lead") or {}
    if not isinstance(lead, dict):
        return _control_error("'lead' must be an object of Lead members to merge.")
    category = body.get("leadCategory", "CLASSIFIED")
    if category not in CATEGORIES:
        return _control_error(f"leadCategory must be one of {', '.join(CATEGORIES)}.")
    client_id = str(body.get("client_id", ""))
    try:
        lead_id = state.add_lead(client_id, category, **overrides, **lead)
    except (TypeError, ValueError) as exc:
        return _control_error(str(exc))
    return json_response(
        {"leadId": lead_id, "webhooks": state.active_subscriptions(client_id)}, status=201
    )


@_control_post
def control_erase(body: dict[str, Any]) -> HttpResponse:
    """{"client_id", "leadId"} → {"erased": leadId}: the portal erased that seeker's data."""
    lead_id = body.get("leadId")
    if not isinstance(lead_id, str):
        return _control_error("leadId must be a string.")
    try:
        state.erase_contact(str(body.get("client_id", "")), lead_id)
    except ValueError as exc:
        return _control_error(str(exc))
    return json_response({"erased": lead_id})


@_control_post
def control_token(body: dict[str, Any]) -> HttpResponse:
    """{"client_id", "scope"?: "", "ttl"?: seconds} → {"access_token"}: any scope, any ttl."""
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
