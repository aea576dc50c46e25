"""What a list costs: one upstream call and a constant number of queries, whatever the page size.

The numbers measured here are reported in the follow-up's notes: a plain list with its new,
status, assignee and "déjà connu" badges costs 1 upstream call and the same number of database
queries at 20 and 100 leads a page; the status and "mes leads" filters fetch the page's leads
by id (cached) with the same number of queries at 20 and 100 too.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadsportal.dashboard.dates import today_in_paris
from leadsportal.followup.fingerprints import remembered_answers_forget
from leadsportal.followup.models import ContactFingerprint
from leadsportal.followup.records import (
    followup_assignee_set,
    followup_from_lead,
    followup_status_set,
)
from tests.followup.conftest import known_ids, listed_ids, recent_leads, unread_ids

# A ceiling, so that a new query per page would show; the exact figures are compared below.
# A whole page; one of them reads the person's saved views, one the agency's pipeline (then
# remembered in the cache), one the reminders of the page's follow-ups past their time, two the
# bulk bar's choices (the agency's members, its lost reasons).
MAX_LIST_QUERIES = 17


def forget_the_index() -> None:
    """As if no list had been seen: no fingerprint stored, none remembered in the cache."""
    ContactFingerprint.objects.all().delete()
    cache.clear()


def forget_the_index_of(agency) -> None:  # type: ignore[no-untyped-def]
    """No fingerprint stored, none remembered, for the agency's recent leads; other cached
    values (the leads fetched by id) stay."""
    ContactFingerprint.objects.all().delete()
    remembered_answers_forget(agency=agency)


def two_weeks_query() -> str:
    """Two weeks, so that a page of 100 is full at any hour: just after midnight in Paris, the
    default 7 days are 6 and a few minutes, and may hold fewer."""
    return f"start={(today_in_paris() - timedelta(days=13)).isoformat()}"


def measure(client, sandbox, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    sandbox.reset_counters()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_a_plain_list_costs_one_upstream_call_and_constant_queries(
    agent, manager, paris, add_lead, sandbox
):
    two_weeks = two_weeks_query()
    # Badges of every kind on the first page: new, "déjà connu", status and assignee.
    fresh = [add_lead(email="twice@example.org", phones=[]) for _ in range(2)] + [add_lead()]
    for item in recent_leads(paris)[3:8]:
        followup = followup_from_lead(agency=paris, lead=item)
        followup_status_set(followup=followup, actor=manager.user, status="contacte")
        followup_assignee_set(followup=followup, actor=manager.user, assignee=agent.user)
    agent.client.get(f"/leads/?per_page=20&{two_weeks}")  # session and token: not what is measured

    forget_the_index()
    cold_20, html_20 = measure(agent.client, sandbox, f"/leads/?per_page=20&{two_weeks}")
    assert sandbox.api_requests() == 1 == sandbox.api_requests(route="searchLeads")
    forget_the_index()
    cold_100, html_100 = measure(agent.client, sandbox, f"/leads/?per_page=100&{two_weeks}")
    assert sandbox.api_requests() == 1
    warm_20, _ = measure(agent.client, sandbox, f"/leads/?per_page=20&{two_weeks}")
    warm_100, _ = measure(agent.client, sandbox, f"/leads/?per_page=100&{two_weeks}")
    assert sandbox.api_requests() == 1

    assert len(listed_ids(html_20)) == 20 and len(listed_ids(html_100)) == 100
    for html in (html_20, html_100):
        assert unread_ids(html) == set(fresh)
        assert len(known_ids(html) & set(fresh)) == 1
        assert html.count('data-testid="status-badge">Contacté<') == 5
        assert html.count('data-testid="assignee">agent.paris<') == 5
    assert cold_20 == cold_100 <= MAX_LIST_QUERIES
    assert warm_20 == warm_100 <= cold_20
    print(f"plain list queries: cold {cold_20}, warm {warm_20}")


def test_every_family_list_and_its_htmx_partial_cost_constant_queries(agent, sandbox):
    for url in ("/leads/annonces/", "/leads/vendeurs/", "/leads/recherches/", "/leads/agence/"):
        agent.client.get(f"{url}?per_page=20")
        agent.client.get(f"{url}?per_page=100")
        counts = []
        for size in (20, 100):
            sandbox.reset_counters()
            with CaptureQueriesContext(connection) as queries:
                agent.client.get(
                    f"{url}?per_page={size}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
                )
            assert sandbox.api_requests() == 1
            counts.append(len(queries))
        assert counts[0] == counts[1] <= MAX_LIST_QUERIES, url


def followed(paris, manager, agent, count: int, *, status: str, assign: bool) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for item in recent_leads(paris)[:count]:
        followup = followup_from_lead(agency=paris, lead=item)
        followup_status_set(followup=followup, actor=manager.user, status=status)
        if assign:
            followup_assignee_set(followup=followup, actor=manager.user, assignee=agent.user)
        ids.append(item.lead_id)
    return ids


def test_a_status_filter_fetches_the_page_by_id_with_constant_queries(
    agent, manager, paris, sandbox, caplog
):
    ids = followed(paris, manager, agent, 30, status="rendez-vous", assign=False)
    agent.client.get("/leads/?per_page=20")  # session and token

    forget_the_index_of(paris)  # index the page's contacts in both measures
    with caplog.at_level(logging.INFO, logger="leadsportal.request"):
        first, html_20 = measure(agent.client, sandbox, "/leads/?status=rendez-vous&per_page=20")
    assert listed_ids(html_20) == ids[:20]
    assert sandbox.api_requests() == 20 == sandbox.api_requests(route="getLead")
    # The concurrent fetches run in copies of the request's context: the request log counts them.
    logged = [record for record in caplog.records if record.name == "leadsportal.request"]
    assert logged[-1].upstream_calls == 20

    second, html_100 = measure(agent.client, sandbox, "/leads/?status=rendez-vous&per_page=100")
    assert listed_ids(html_100) == ids
    assert sandbox.api_requests() == 10  # the first 20 come from the cache
    third, _ = measure(agent.client, sandbox, "/leads/?status=rendez-vous&per_page=100")
    assert sandbox.api_requests() == 0
    assert first == second and third <= second <= MAX_LIST_QUERIES
    assert "30 leads" in html_100
    print(f"status filter queries: {first}, {second}, {third}")


def test_mes_leads_fetches_the_page_by_id_with_constant_queries(agent, manager, paris, sandbox):
    ids = followed(paris, manager, agent, 25, status="nouveau", assign=True)
    agent.client.get("/leads/?per_page=20")
    forget_the_index_of(paris)
    small, html_20 = measure(agent.client, sandbox, "/leads/?assignee=moi&per_page=20")
    assert listed_ids(html_20) == ids[:20]
    assert sandbox.api_requests(route="searchLeads") == 0
    large, html_100 = measure(agent.client, sandbox, "/leads/?assignee=moi&per_page=100")
    assert listed_ids(html_100) == ids
    assert small == large <= MAX_LIST_QUERIES
    page_2, html_page_2 = measure(agent.client, sandbox, "/leads/?assignee=moi&per_page=20&page=2")
    assert listed_ids(html_page_2) == ids[20:]
    assert page_2 <= small
