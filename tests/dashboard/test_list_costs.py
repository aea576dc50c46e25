"""What a lead list costs, in counts (never in time): upstream calls, token requests, queries,
on both upstreams (the `upstream` fixture of tests/fixtures.py).

The timings live in bench/run.py and docs/BENCHMARKS.md; these are the invariants behind them.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadsportal.agencies.upstream import agency_leads_changed

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
LISTS = ("/leads/", "/leads/vendeurs/")


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


def test_every_view_costs_its_calls_and_all_share_one_token(agent, upstream):
    costs = []
    for path in LISTS:
        for per_page in (20, 100):
            for extra in ({}, HTMX):
                before = upstream.api_calls()
                response = agent.client.get(f"{path}?per_page={per_page}", **extra)
                assert response.status_code == 200
                costs.append(upstream.api_calls() - before)
    if upstream.is_seeker:
        # Every tab, size and fragment is cut from the period's feed read for the first one
        # (docs/UPSTREAMS.md, "How lists are built from the feed").
        assert costs[0] >= 1 and costs[1:] == [0] * 7
    else:
        assert costs == [1] * 8  # one search per view
    assert upstream.sandbox.token_requests(upstream.client_id) == 1


def test_a_new_lead_shows_on_the_default_list_for_at_most_two_calls(agent, upstream):
    agent.client.get("/leads/")
    lead_id = upstream.add_lead()
    agency_leads_changed(agency=upstream.agency)  # what the watcher does when it sees it
    before = upstream.api_calls()
    html = agent.client.get("/leads/").content.decode()
    assert f'data-lead-id="{lead_id}"' in html
    # Issue 16: the default 7-day list costs at most 2 calls (Seeker: today's part of the feed).
    assert upstream.api_calls() - before <= 2


# The queries do not depend on the upstream but on the rows: Seeker runs one list, GSL both.
@pytest.mark.parametrize(
    ("upstream", "path"),
    [("gsl", "/leads/"), ("gsl", "/leads/vendeurs/"), ("seeker", "/leads/")],
    indirect=["upstream"],
)
@pytest.mark.parametrize("extra", [{}, HTMX], ids=["page", "partial"])
def test_database_queries_do_not_grow_with_the_rows_shown(agent, upstream, path, extra):
    for per_page in (20, 100):
        # First sight of a page writes its leads' contact fingerprints once (one bulk INSERT).
        agent.client.get(f"{path}?per_page={per_page}", **extra)
    counts = {}
    for per_page in (20, 100):
        with CaptureQueriesContext(connection) as queries:
            response = agent.client.get(f"{path}?per_page={per_page}", **extra)
        assert response.status_code == 200
        counts[per_page] = len(queries.captured_queries)
    assert counts[100] == counts[20]
