"""What a lead list costs, in counts (never in time): upstream calls, token requests, queries.

The timings live in bench/run.py and docs/BENCHMARKS.md; these are the invariants behind them.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
LISTS = ("/leads/", "/leads/vendeurs/")


def test_every_view_costs_one_upstream_call_and_all_share_one_token(agent, sandbox):
    views = 0
    for path in LISTS:
        for per_page in (20, 100):
            for extra in ({}, HTMX):
                response = agent.client.get(f"{path}?per_page={per_page}", **extra)
                assert response.status_code == 200
                views += 1
    assert sandbox.api_requests() == views == 8
    assert sandbox.token_requests() == 1


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("extra", [{}, HTMX], ids=["page", "partial"])
def test_database_queries_do_not_grow_with_the_rows_shown(agent, path, extra):
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
