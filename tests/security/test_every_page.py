"""Every URL of the project answers with the security headers, without inline code, never a 500.

One walk visits every named route of leadsportal (the admin's too) with real arguments: lead ids
and a listing number of the live sandbox, as an anonymous visitor, an agent, a manager, a user
without an agency and a superuser. Each response must carry the Content-Security-Policy and the
other security headers; each HTML page must also contain nothing that policy blocks (inline
script or style, event handlers, `javascript:` URLs, htmx features that need eval) and load
nothing from another origin. A guard fails when a route is added without being visited here.

The admin is held to the same rule as the dashboard, and passes: Django 6.1's admin templates
carry no inline script, no style attribute and no event handler. Their one inline `<style>`
(a changelist whose ModelAdmin sets both `actions_on_top` and `actions_on_bottom` to False)
carries a nonce our policy does not list, so a browser would drop that one column-width rule;
no ModelAdmin here does that, and the walk below would report it if one did.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django_otp.plugins.otp_totp.models import TOTPDevice

from leadsportal.agencies.models import Agency, Invitation, Membership
from leadsportal.dashboard.dates import today_in_paris
from leadsportal.exports.models import ExportRecord
from leadsportal.exports.tasks import export_build
from tests.fixtures import LoggedIn
from tests.security.html_scan import csp_violations, external_resources
from tests.security.samples import Sample

# What every response must say, whatever its type (HTML, JSON, CSV, a redirect, an error).
EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
STRICT_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin"}
EXPORT_FORMATS = ("xlsx", "csv-excel", "csv")
FAMILY_SLUGS = ("annonces", "agence", "vendeurs", "recherches")


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = (directive.split() for directive in header.split(";"))
    return {words[0]: words[1:] for words in parts if words}


def header_problems(response: HttpResponse) -> list[str]:
    problems = []
    header = response.headers.get("Content-Security-Policy")
    if not header:
        problems.append("no Content-Security-Policy header")
    else:
        directives = csp_directives(header)
        for name, values in EXPECTED_CSP.items():
            if directives.get(name) != values:
                problems.append(f"CSP {name} is {directives.get(name)}, not {values}")
        if "unsafe-" in header or "http:" in header or "https:" in header or "*" in header:
            problems.append(f"CSP allows more than our origin: {header}")
    expected_headers = {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    for name, value in expected_headers.items():
        if response.headers.get(name) != value:
            problems.append(f"{name} is {response.headers.get(name)!r}, not {value!r}")
    if response.headers.get("Referrer-Policy") not in STRICT_REFERRER_POLICIES:
        problems.append(f"Referrer-Policy is {response.headers.get('Referrer-Policy')!r}")
    return problems


def named_routes() -> set[str]:
    """Every named route of the project (namespaced), except the sandboxes' fake remote APIs."""

    def walk(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
                yield from walk(pattern.url_patterns, inner)
            elif pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return {
        name
        for name in walk(get_resolver().url_patterns)
        if not name.startswith(("sandbox:", "seeker_sandbox:"))
    }


@dataclass
class Walk:
    """Visits URLs, checks each response, and remembers which routes it reached."""

    problems: list[str] = field(default_factory=list)
    routes: set[str] = field(default_factory=set)
    pages: int = 0

    def visit(
        self,
        client: Client,
        path: str,
        *,
        expect: int | set[int] = 200,
        method: str = "get",
        data: dict[str, str] | None = None,
        htmx_target: str | None = None,
    ) -> HttpResponse:
        headers = {"HX-Request": "true", "HX-Target": htmx_target} if htmx_target else {}
        response = getattr(client, method)(path, data or {}, headers=headers)
        label = f"{method.upper()} {path}" + (f" (htmx #{htmx_target})" if htmx_target else "")
        with contextlib.suppress(Resolver404):
            self.routes.add(resolve(urlsplit(path).path).view_name)
        expected = {expect} if isinstance(expect, int) else expect
        if response.status_code not in expected:
            self.problems.append(f"{label}: status {response.status_code}, expected {expected}")
        problems = header_problems(response)
        if response.headers.get("Content-Type", "").startswith("text/html"):
            self.pages += 1
            body = response.content.decode()
            problems += csp_violations(body) + external_resources(body)
        elif response.streaming:
            b"".join(response.streaming_content)  # type: ignore[attr-defined]  # finish the export
        self.problems += [f"{label}: {problem}" for problem in problems]
        return response


def visit_public_pages(walk: Walk) -> None:
    anonymous = Client()
    walk.visit(anonymous, reverse("healthz"))
    # The Seeker Leads webhook receiver (the upstream calls it): a wrong secret is a 404.
    walk.visit(
        anonymous,
        reverse("agencies:seeker_webhook", args=[999_999, "x" * 43]),
        method="post",
        expect=404,
    )
    walk.visit(anonymous, reverse("login"))
    walk.visit(anonymous, reverse("dashboard:home"), expect=302)
    walk.visit(anonymous, reverse("dashboard:leads"), expect=302)
    walk.visit(anonymous, reverse("dashboard:leads"), expect=200, htmx_target="results")
    # The admin logs in through the dashboard's login (and its two-factor step).
    walk.visit(anonymous, reverse("admin:login"), expect=302)
    walk.visit(anonymous, reverse("login_code"), expect=302)
    walk.visit(anonymous, reverse("password_reset"))
    walk.visit(anonymous, reverse("password_reset"), method="post", data={"email": "x"}, expect=200)
    walk.visit(
        anonymous,
        reverse("password_reset"),
        method="post",
        data={"email": "nobody@example.fr"},
        expect=302,
    )
    walk.visit(anonymous, reverse("password_reset_done"))
    walk.visit(anonymous, reverse("password_reset_confirm", args=["MQ", "bad-token"]))
    walk.visit(anonymous, reverse("password_reset_complete"))
    walk.visit(anonymous, reverse("agencies:invitation_accept", args=["1", "x"]), expect=410)
    walk.visit(anonymous, reverse("agencies:account"), expect=302)
    walk.visit(anonymous, "/no-such-page/", expect=404)
    # A failed login: the form again, with its error (and an axes record for the admin pages).
    walk.visit(
        anonymous,
        reverse("login"),
        method="post",
        data={"username": "agent.paris", "password": "wrong-password-1"},
    )


def visit_agent_pages(walk: Walk, agent: LoggedIn, sample: Sample) -> None:
    client = agent.client
    walk.visit(client, reverse("dashboard:home"), expect=302)
    leads = reverse("dashboard:leads")
    walk.visit(client, leads)
    walk.visit(client, leads + "?page=2&per_page=20")
    walk.visit(client, leads + "?start=not-a-date", expect=400)
    walk.visit(client, leads + "?page=2", htmx_target="results")
    walk.visit(client, leads, htmx_target="browser")
    for slug in FAMILY_SLUGS:
        walk.visit(client, reverse("dashboard:family_leads", args=[slug]))
    walk.visit(client, reverse("dashboard:family_leads", args=["no-such-tab"]), expect=404)
    for lead_id in [*sample.lead_ids, sample.hostile_lead_id]:
        walk.visit(client, reverse("dashboard:lead_detail", args=[lead_id]))
        walk.visit(client, reverse("dashboard:contact_leads", args=[lead_id]))
    walk.visit(client, reverse("dashboard:lead_detail", args=["no-such-lead"]), expect=404)
    listing = reverse("dashboard:classified_leads", args=[sample.classified_id])
    walk.visit(client, listing)
    walk.visit(client, listing, htmx_target="results")
    walk.visit(client, reverse("dashboard:live_events") + "?after=x", expect=400)
    walk.visit(client, reverse("dashboard:agency_settings"), expect=403)
    walk.visit(client, reverse("dashboard:pipeline"), expect=403)
    walk.visit(client, reverse("dashboard:access_record"), expect=403)
    search = reverse("dashboard:search")
    walk.visit(client, search)
    walk.visit(client, search + "?q=06+12+34+56+78")
    walk.visit(client, search + "?q=dupont&page=2", htmx_target="results")
    walk.visit(client, search + "?q=" + "x" * 101, expect=400)
    walk.visit(client, leads + "?assignee=personne&waiting=1h&unread=1")
    walk.visit(client, leads + "?waiting=2h", expect=400)
    views = reverse("dashboard:saved_views")
    walk.visit(client, views)
    walk.visit(client, views, method="post", data={"name": "V", "url": leads}, expect=303)
    walk.visit(client, views, method="post", data={"name": "", "url": "//x"}, expect=303)
    walk.visit(
        client,
        reverse("dashboard:saved_view_rename", args=[999999]),
        method="post",
        data={"name": "W"},
        expect=303,
    )
    walk.visit(
        client, reverse("dashboard:saved_view_delete", args=[999999]), method="post", expect=303
    )
    # Reminders, "À rappeler", calls and e-mails started from a lead (reminder_views.py).
    due = reverse("dashboard:reminders_due")
    walk.visit(client, due)
    walk.visit(client, due, htmx_target="browser")
    walk.visit(client, due + "?page=2", htmx_target="results")
    first = sample.lead_ids[0]
    add = reverse("dashboard:reminder_add", args=[first])
    walk.visit(client, add, method="post", data={"due": "hier"}, expect=400)
    walk.visit(
        client, add, method="post", data={"due": "2020-01-01T10:00"}, htmx_target="reminders"
    )
    walk.visit(
        client, reverse("dashboard:reminder_action", args=[999999]), method="post", expect=404
    )
    # Bulk actions on a list and their undo (bulk_views.py), and the selection's export.
    bulk = reverse("dashboard:bulk")
    walk.visit(client, bulk, method="post", data={"list": "/leads/"}, expect=303)
    walk.visit(
        client,
        bulk,
        method="post",
        data={"list": "/leads/", "scope": "selected", "lead": [first], "action": "read"},
        expect=303,
    )
    walk.visit(
        client, reverse("dashboard:bulk_undo"), method="post", data={"token": "x"}, expect=303
    )
    walk.visit(client, "/leads/")  # the list that shows the bulk notice
    walk.visit(
        client,
        reverse("exports:selection"),
        method="post",
        data={"list": "/leads/", "scope": "selected", "lead": [first]},
        expect=403,  # an agent, and the agency keeps exports to its managers
    )
    attempt = reverse("dashboard:contact_attempt", args=[first])
    walk.visit(client, attempt, method="post", data={"channel": "call"}, expect=204)
    walk.visit(client, attempt, method="post", data={"channel": "fax"}, expect=400)
    outcome = reverse("dashboard:contact_outcome", args=[first, 999999])
    walk.visit(client, outcome, method="post", data={"outcome": "joint"}, expect=400)
    suggestions = reverse("dashboard:listing_suggestions")
    walk.visit(client, suggestions)
    walk.visit(client, suggestions + "?classified=PAR")
    walk.visit(client, reverse("dashboard:tab_counts"), expect={200, 204})
    statistics = reverse("dashboard:statistics")
    walk.visit(client, statistics)  # the agent's own leads
    walk.visit(client, statistics + "?start=nonsense&granularity=month", expect=400)
    walk.visit(client, statistics + "?table=members&format=csv-excel")
    # Agents of this agency may not export, nor see the history: a page that says so.
    walk.visit(client, reverse("exports:leads") + "?format=csv", expect=403)
    walk.visit(client, reverse("exports:history"), expect=403)
    # Mutations answer GET with 405.
    lead_id = sample.lead_ids[0]
    for route, args in (
        ("dashboard:status", [lead_id]),
        ("dashboard:assignee", [lead_id]),
        ("dashboard:note", [lead_id]),
        ("dashboard:mark_all_read", []),
        ("agencies:switch", []),
        ("logout", []),
    ):
        walk.visit(client, reverse(route, args=args), expect=405)


def visit_account_pages(walk: Walk, agent: LoggedIn, manager: LoggedIn, paris: Agency) -> None:
    """The team page (managers), "Mon compte" and the two-factor set-up (everyone)."""
    team = reverse("agencies:team")
    walk.visit(agent.client, team, expect=403)
    walk.visit(agent.client, reverse("agencies:invite"), method="post", expect=403)
    for client in (agent.client, manager.client):
        walk.visit(client, reverse("agencies:account"))
        walk.visit(client, reverse("agencies:two_factor_setup"))  # an unconfirmed device
        walk.visit(
            client,
            reverse("agencies:two_factor_setup"),
            method="post",
            data={"code": "1"},
            expect=400,
        )
        walk.visit(
            client,
            reverse("agencies:password_change"),
            method="post",
            data={"old_password": "wrong"},
            expect=400,
        )
        walk.visit(
            client,
            reverse("agencies:two_factor_remove"),
            method="post",
            data={"password": "wrong"},
            expect=400,
        )
    client = manager.client
    walk.visit(client, team)
    invite = reverse("agencies:invite")
    walk.visit(client, invite, method="post", data={"email": "x", "role": "agent"}, expect=400)
    walk.visit(
        client,
        invite,
        method="post",
        data={"email": "new@example.fr", "role": "agent"},
        expect=303,
    )
    walk.visit(client, team)  # with a pending invitation
    invitation = Invitation.objects.get(agency=paris)
    for route in ("agencies:invitation_resend", "agencies:invitation_cancel"):
        walk.visit(client, reverse(route, args=[invitation.pk]), method="post", expect=303)
        walk.visit(client, reverse(route, args=[invitation.pk]), expect=405)
    member = Membership.objects.get(agency=paris, user=agent.user)
    walk.visit(
        client,
        reverse("agencies:member_role", args=[member.pk]),
        method="post",
        data={"role": "??"},
        expect=303,
    )
    for route in ("agencies:member_deactivate", "agencies:member_reactivate"):
        walk.visit(client, reverse(route, args=[member.pk]), method="post", expect=303)
    walk.visit(
        client,
        reverse("agencies:two_factor_rule"),
        method="post",
        data={"managers_require_two_factor": ""},
        expect=303,
    )
    for route, args in (
        ("agencies:invite", []),
        ("agencies:member_role", [member.pk]),
        ("agencies:member_deactivate", [member.pk]),
        ("agencies:member_reactivate", [member.pk]),
        ("agencies:two_factor_rule", []),
        ("agencies:password_change", []),
        ("agencies:two_factor_remove", []),
    ):
        walk.visit(client, reverse(route, args=args), expect=405)


def visit_manager_pages(walk: Walk, manager: LoggedIn, sample: Sample, paris: Agency) -> None:
    client = manager.client
    for export_format in EXPORT_FORMATS:
        walk.visit(client, reverse("exports:leads") + f"?format={export_format}")
    walk.visit(client, reverse("exports:family_leads", args=["annonces"]) + "?format=xlsx")
    walk.visit(
        client, reverse("exports:classified_leads", args=[sample.classified_id]) + "?format=csv"
    )
    walk.visit(client, reverse("exports:leads") + "?format=pdf", expect=400)
    walk.visit(client, reverse("exports:leads") + "?format=csv&start=nonsense", expect=400)
    walk.visit(client, reverse("exports:history"))
    walk.visit(
        client,
        reverse("exports:selection"),
        method="post",
        data={"list": "/leads/", "scope": "page", "page_lead": [sample.lead_ids[0]]},
    )
    # A list longer than LEADS_EXPORT_BACKGROUND_PAGES: its job (run here), its page, its file.
    # A month's, over one page of 100 at any hour (just after midnight, the default 7 days
    # may hold fewer).
    month = (today_in_paris() - timedelta(days=29)).isoformat()
    with override_settings(LEADS_EXPORT_BACKGROUND_PAGES=1):
        queued = walk.visit(
            client, reverse("exports:leads") + f"?format=csv&start={month}", expect=302
        )
    export_id = int(queued["Location"].strip("/").rsplit("/", 1)[1])
    export_build.call_local(export_id)
    walk.visit(client, reverse("exports:job", args=[export_id]))
    walk.visit(client, reverse("exports:download", args=[export_id]))
    access = reverse("dashboard:access_record")
    walk.visit(client, access)
    walk.visit(client, access + "?kind=opened&start=2026-01-01&end=2026-12-31")
    walk.visit(client, access + "?lead=%3Cscript%3E", expect=400)
    statistics = reverse("dashboard:statistics")
    walk.visit(client, statistics + "?granularity=week")
    walk.visit(client, statistics + "?table=listings&format=csv")
    pipeline = reverse("dashboard:pipeline")
    walk.visit(client, pipeline)
    walk.visit(client, pipeline, htmx_target="pipeline-editor")
    walk.visit(client, pipeline, method="post", data={"action": "stage_add"}, expect=400)
    walk.visit(
        client,
        pipeline,
        method="post",
        data={"action": "stage_rename", "code": "visite", "name": "Visite faite"},
        expect=303,
    )

    lead_id = sample.lead_ids[0]
    detail = reverse("dashboard:lead_detail", args=[lead_id])
    status = reverse("dashboard:status", args=[lead_id])
    walk.visit(client, status, method="post", data={"status": "??"}, expect=400)
    walk.visit(client, status, method="post", data={"status": "contacte"}, expect=303)
    walk.visit(
        client,
        reverse("dashboard:assignee", args=[lead_id]),
        method="post",
        data={"assignee": str(manager.user.pk)},
        expect=303,
    )
    walk.visit(
        client,
        reverse("dashboard:note", args=[lead_id]),
        method="post",
        data={"body": "Rappeler mardi."},
        expect=303,
    )
    walk.visit(
        client,
        reverse("dashboard:note", args=[lead_id]),
        method="post",
        data={"body": ""},
        htmx_target="followup",
    )
    walk.visit(client, detail)
    walk.visit(client, reverse("dashboard:claim", args=[lead_id]), method="post", expect=303)
    walk.visit(client, reverse("dashboard:claim", args=["no-such-lead"]), method="post", expect=404)
    availability = reverse("dashboard:availability")
    walk.visit(client, availability, method="post", data={"available": "x"}, expect=400)
    walk.visit(client, availability, method="post", data={"available": "0"}, expect=303)
    settings_page = reverse("dashboard:agency_settings")
    walk.visit(client, settings_page)
    walk.visit(client, settings_page, method="post", data={"assignment_rule": "??"}, expect=400)
    walk.visit(
        client,
        settings_page,
        method="post",
        data={"assignment_rule": "first_to_claim", "claim_minutes": "10"},
        expect=303,
    )
    walk.visit(
        client,
        reverse("dashboard:mark_all_read") + "?tab=",
        method="post",
        data={},
        expect=303,
    )
    walk.visit(client, reverse("agencies:switch"), method="post", data={"agency": "x"}, expect=400)
    walk.visit(
        client, reverse("agencies:switch"), method="post", data={"agency": "99999"}, expect=403
    )
    walk.visit(
        client,
        reverse("agencies:switch"),
        method="post",
        data={"agency": str(paris.pk)},
        expect=302,
    )
    walk.visit(
        client,
        reverse("set_language"),
        method="post",
        data={"language": "en", "next": reverse("dashboard:leads")},
        expect=302,
    )
    walk.visit(client, reverse("dashboard:leads"))  # in English now
    walk.visit(client, reverse("logout"), method="post", expect=302)


def first_object_id(model: type[models.Model]) -> str:
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"no {model.__name__} to open in the admin"
    return str(obj.pk)


def visit_admin_pages(walk: Walk, superuser: LoggedIn) -> None:
    client = superuser.client
    Group.objects.create(name="Direction")
    walk.visit(client, reverse("admin:index"))
    walk.visit(client, reverse("admin:password_change"))
    walk.visit(client, reverse("admin:password_change_done"))
    walk.visit(client, reverse("admin:jsi18n"))
    # A device's key and QR code are never shown in the admin (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    device_id = first_object_id(TOTPDevice)
    walk.visit(client, reverse("admin:otp_totp_totpdevice_config", args=[device_id]), expect=403)
    walk.visit(client, reverse("admin:otp_totp_totpdevice_qrcode", args=[device_id]), expect=403)
    walk.visit(client, reverse("admin:autocomplete"), expect=403)  # without its parameters
    walk.visit(
        client,
        reverse("admin:autocomplete")
        + "?"
        + urlencode(
            {"app_label": "agencies", "model_name": "membership", "field_name": "user", "term": "a"}
        ),
    )
    walk.visit(client, reverse("admin:auth_user_password_change", args=[superuser.user.pk]))
    app_labels = set()
    for model in admin.site._registry:
        opts = model._meta
        app_labels.add(opts.app_label)
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        walk.visit(client, reverse(f"{prefix}_changelist"))
        walk.visit(client, reverse(f"{prefix}_add"), expect={200, 403})
        object_id = first_object_id(model)
        walk.visit(client, reverse(f"{prefix}_change", args=[object_id]))
        walk.visit(client, reverse(f"{prefix}_history", args=[object_id]))
        walk.visit(client, reverse(f"{prefix}_delete", args=[object_id]), expect={200, 403})
    for app_label in sorted(app_labels):
        walk.visit(client, reverse("admin:app_list", args=[app_label]))
    walk.visit(
        client,
        reverse("admin:view_on_site", args=[999_999, first_object_id(Agency)]),
        expect=404,
    )
    walk.visit(client, reverse("admin:logout"), method="post", expect=302)


def test_every_route_has_security_headers_and_no_inline_code(
    agent: LoggedIn,
    manager: LoggedIn,
    superuser: LoggedIn,
    login,  # type: ignore[no-untyped-def]
    sample: Sample,
    paris: Agency,
) -> None:
    walk = Walk()

    visit_public_pages(walk)
    visit_agent_pages(walk, agent, sample)
    visit_account_pages(walk, agent, manager, paris)
    visit_manager_pages(walk, manager, sample, paris)
    walk.visit(login("no.agency").client, reverse("dashboard:leads"), expect=403)
    # The records the admin pages open: exports and login records made by the walk so far.
    assert ExportRecord.objects.exists() and AccessAttempt.objects.exists()
    assert AccessLog.objects.exists()
    if not AccessFailureLog.objects.exists():  # only kept with AXES_ENABLE_ACCESS_FAILURE_LOG
        AccessFailureLog.objects.create(username="agent.paris", ip_address="127.0.0.1")
    visit_admin_pages(walk, superuser)

    assert walk.problems == []
    assert walk.pages > 60
    missing = named_routes() - walk.routes
    assert not missing, f"routes never visited here (add them to this walk): {sorted(missing)}"


def test_a_lead_with_markup_in_its_contact_reaches_the_page_as_text(
    agent: LoggedIn, sample: Sample
) -> None:
    page = agent.client.get(reverse("dashboard:lead_detail", args=[sample.hostile_lead_id]))

    body = page.content.decode()
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=&quot;x&quot; onerror=&quot;alert(2)&quot;&gt;" in body
    assert csp_violations(body) == []
