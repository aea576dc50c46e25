"""CSRF on every mutation: a request without the token is refused on every route, and the token
the page gives to htmx (`hx-headers` on <body>) is the one that gets a change through.

The CSRF cookie is HttpOnly (settings.CSRF_COOKIE_HTTPONLY), so scripts cannot read it: the
token rendered into the page is htmx's only way to send it. Only the sandbox, which stands in
for the remote API and is off in production, takes POSTs without a token.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from leadsportal.agencies.models import Agency
from tests.fixtures import LoggedIn
from tests.security.samples import Sample


def routes_with_parameters() -> Iterator[tuple[str, list[str]]]:
    """(namespaced route name, names of its URL parameters) of every named route."""

    def walk(
        patterns: list[URLPattern | URLResolver], namespace: str, params: list[str]
    ) -> Iterator[tuple[str, list[str]]]:
        for pattern in patterns:
            own = list(pattern.pattern.regex.groupindex)
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
                yield from walk(pattern.url_patterns, inner, params + own)
            elif pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, params + own

    for name, params in walk(get_resolver().url_patterns, "", []):
        if not name.startswith(("sandbox:", "seeker_sandbox:")):
            yield name, params


def every_route_path(sample: Sample, agency: Agency) -> list[str]:
    values = {
        "lead_id": sample.lead_ids[0],
        "classified_id": str(sample.classified_id),
        "family_slug": "annonces",
        "object_id": str(agency.pk),
        "id": "1",
        "app_label": "agencies",
        "content_type_id": "1",
        "invitation_id": "1",
        "membership_id": "1",
        "view_id": "1",
        "reminder_id": "1",
        "attempt_id": "1",
        "export_id": "1",
        "uid": "1",
        "uidb64": "MQ",
        "token": "x",
        "pk": "1",
        "agency_id": str(agency.pk),
        "secret": "x" * 43,
    }
    paths = []
    for name, params in routes_with_parameters():
        unknown = set(params) - set(values)
        assert not unknown, f"{name}: no sample value for {unknown}; add one above"
        paths.append(reverse(name, kwargs={param: values[param] for param in params}))
    return paths


def is_csrf_refusal(response: HttpResponse) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


def page_csrf_token(response: HttpResponse) -> str:
    """The token htmx sends: the `hx-headers` JSON of <body>."""
    match = re.search(r"<body[^>]*\shx-headers='([^']*)'", response.content.decode())
    assert match, "the page's <body> has no hx-headers"
    headers = json.loads(html.unescape(match.group(1)))
    assert set(headers) <= {"X-CSRFToken", "X-Leadsportal-Agency"} and "X-CSRFToken" in headers
    token = headers["X-CSRFToken"]
    assert isinstance(token, str) and len(token) == 64, headers
    return token


@pytest.fixture
def strict(manager: LoggedIn) -> Client:
    """The manager's browser, with Django's CSRF checks on (the test client skips them)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager.user)
    return client


def test_every_route_refuses_a_post_without_the_token(
    strict: Client, sample: Sample, paris: Agency
) -> None:
    # The Seeker Leads webhook is called by the upstream, not a browser: its URL's secret
    # authenticates it (tests/agencies/test_webhooks.py), without a CSRF token.
    webhook = reverse("agencies:seeker_webhook", args=[paris.pk, "x" * 43])
    paths = [path for path in every_route_path(sample, paris) if path != webhook]

    accepted = [
        f"POST {path}: {response.status_code}"
        for path in paths
        if not is_csrf_refusal(response := strict.post(path))
    ]

    assert len(paths) > 70
    assert accepted == []


def test_the_forms_of_anonymous_visitors_need_the_token_too(db: None) -> None:
    anonymous = Client(enforce_csrf_checks=True)

    for path in (reverse("login"), reverse("admin:login"), reverse("set_language")):
        response = anonymous.post(path, {"username": "alice", "password": "x", "language": "en"})
        assert is_csrf_refusal(response), path


def test_other_unsafe_methods_need_the_token(strict: Client, paris: Agency) -> None:
    # The CSRF check comes before the view: the lead need not exist to be refused.
    mutations = [
        reverse("dashboard:status", args=["any-lead"]),
        reverse("dashboard:note", args=["any-lead"]),
        reverse("dashboard:mark_all_read"),
        reverse("agencies:switch"),
        reverse("logout"),
        reverse("admin:agencies_agency_delete", args=[paris.pk]),
    ]

    for method in ("put", "patch", "delete"):
        for path in mutations:
            assert is_csrf_refusal(getattr(strict, method)(path)), f"{method} {path}"


def test_the_refusal_is_a_page_with_the_security_headers(strict: Client, sample: Sample) -> None:
    response = strict.post(
        reverse("dashboard:status", args=[sample.lead_ids[0]]), {"status": "clos"}
    )

    assert is_csrf_refusal(response)
    assert response["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_csrf_cookie_is_out_of_reach_of_scripts(client: Client, db: None) -> None:
    response = client.get(reverse("login"))

    cookie = response.cookies["csrftoken"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_every_page_gives_htmx_the_token(strict: Client, sample: Sample) -> None:
    pages = [
        reverse("dashboard:leads"),
        reverse("dashboard:family_leads", args=["vendeurs"]),
        reverse("dashboard:lead_detail", args=[sample.lead_ids[0]]),
        reverse("dashboard:classified_leads", args=[sample.classified_id]),
        reverse("dashboard:contact_leads", args=[sample.lead_ids[0]]),
        reverse("exports:history"),
    ]

    for path in pages:
        response = strict.get(path)
        assert response.status_code == 200, path
        page_csrf_token(response)


def test_the_login_page_gives_htmx_the_token_too(db: None) -> None:
    page_csrf_token(Client(enforce_csrf_checks=True).get(reverse("login")))


def test_the_token_of_the_page_gets_each_change_through(
    strict: Client, manager: LoggedIn, sample: Sample, paris: Agency
) -> None:
    lead_id = sample.lead_ids[0]
    token = page_csrf_token(strict.get(reverse("dashboard:lead_detail", args=[lead_id])))
    htmx = {"X-CSRFToken": token, "HX-Request": "true"}
    changes = [
        (reverse("dashboard:status", args=[lead_id]), {"status": "contacte"}),
        (reverse("dashboard:assignee", args=[lead_id]), {"assignee": str(manager.user.pk)}),
        (reverse("dashboard:note", args=[lead_id]), {"body": "Rappeler jeudi."}),
        (reverse("dashboard:mark_all_read") + "?tab=annonces", {}),
        (reverse("agencies:switch"), {"agency": str(paris.pk)}),
        (reverse("set_language"), {"language": "fr", "next": "/leads/"}),
    ]

    for path, data in changes:
        response = strict.post(path, data, headers=htmx)
        assert response.status_code in {200, 204, 302, 303}, (path, response.status_code)

    # The same changes without the token change nothing: the note is not there twice.
    for path, data in changes:
        assert is_csrf_refusal(strict.post(path, data, headers={"HX-Request": "true"}))
    detail = strict.get(reverse("dashboard:lead_detail", args=[lead_id])).content.decode()
    assert detail.count("Rappeler jeudi.") == 1

    response = strict.post(reverse("logout"), headers=htmx)
    assert response.status_code == 302
    assert "_auth_user_id" not in strict.session
